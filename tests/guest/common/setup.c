/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The C entry point: gtf_main() is called once by head.S with the boot
 * registers, sets up the environment, prints the banner, runs the test
 * and reports its result.  It never returns.
 */
#include "guest.h"

#define MULTIBOOT_BOOTLOADER_MAGIC  0x2BADB002u
#define MULTIBOOT_INFO_CMDLINE      (1u << 2)

/* The start of the Multiboot (v1) information structure. */
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
};

void __noreturn gtf_main(uint32_t magic, const struct multiboot_info *mbi);

static bool multiboot;
static char cmdline[256];

bool gtf_multiboot(void)
{
    return multiboot;
}

const char *gtf_cmdline(void)
{
    return cmdline;
}

bool gtf_cmdline_has(const char *word)
{
    size_t len = strlen(word);
    const char *p = cmdline;

    while ( *p )
    {
        while ( *p == ' ' )
            p++;
        if ( !strncmp(p, word, len) && (p[len] == ' ' || p[len] == '\0') )
            return true;
        while ( *p && *p != ' ' )
            p++;
    }
    return false;
}

/*
 * Copies the command line out of loader memory before anything can
 * overwrite it.  QEMU passes "KERNEL-PATH APPEND-STRING".
 */
static void copy_cmdline(const struct multiboot_info *mbi)
{
    const char *src;
    size_t i;

    if ( !(mbi->flags & MULTIBOOT_INFO_CMDLINE) || !mbi->cmdline )
        return;

    src = (const char *)mbi->cmdline;
    for ( i = 0; i < sizeof(cmdline) - 1 && src[i]; i++ )
        cmdline[i] = src[i];
    cmdline[i] = '\0';
}

void gtf_main(uint32_t magic, const struct multiboot_info *mbi)
{
    gtf_traps_init();

    multiboot = magic == MULTIBOOT_BOOTLOADER_MAGIC;
    if ( multiboot )
        copy_cmdline(mbi);

    gtf_hypervisor_init();

    printk("--- pvdomain guest test framework ---\n");
    printk("Environment: hvm32 (32-bit, paging off), %s\n",
           multiboot ? "Multiboot" : "HVM firmware");
    printk("Hypervisor: %s\n", gtf_hypervisor_name());
    if ( cmdline[0] )
        printk("Command line: %s\n", cmdline);
    printk("Test: %s\n", test_title);

    test_main();

    gtf_exit();
}
