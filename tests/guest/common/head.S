/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry point of every guest test image.
 *
 * Both boot paths enter at _start in 32-bit flat protected mode with
 * paging and interrupts off, but neither leaves anything else usable:
 * - Xen's HVM firmware loader sets flat CS/DS/ES/SS caches but no GDT,
 *   ESP = 0, and EAX/EBX undefined.
 * - A Multiboot (v1) loader (QEMU -kernel) leaves the GDT and ESP
 *   undefined, with EAX = 0x2BADB002 and EBX = the Multiboot information.
 * So before touching the stack we load our own GDT and segments, clear
 * .bss (which holds the stack), and pass EAX/EBX to gtf_main().
 *
 * trap_stubs is a table of 32 exception entry stubs, 16 bytes apart, for
 * traps.c to point the IDT at.  Each one pushes a zero where the CPU
 * pushes no error code, then the vector, so that every frame has the
 * same layout (struct gtf_trap_frame in traps.c).
 */

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000000      /* ELF image: no a.out kludge. */

#define GDT_CS          0x08
#define GDT_DS          0x10

        .section .text.head, "ax", @progbits
        .code32

        /* Must be 4-byte aligned in the first 8 KiB of the file. */
        .align 4
multiboot_header:
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .global _start
        .type _start, @function
_start:
        /* rep stos below uses EAX, ECX and EDI: park the boot registers. */
        mov     %eax, %ebp
        mov     %ebx, %esi

        lgdt    gdt_ptr
        ljmp    $GDT_CS, $1f
1:      mov     $GDT_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %fs
        mov     %eax, %gs
        mov     %eax, %ss

        /* Loaders zero .bss too, but nothing in either ABI promises it. */
        cld
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb

        mov     $boot_stack_top, %esp
        push    $0x2                    /* EFLAGS: only the fixed bit. */
        popf

        push    %esi                    /* Multiboot information. */
        push    %ebp                    /* Multiboot magic, or junk. */
        call    gtf_main
        ud2                             /* gtf_main() does not return. */
        .size _start, . - _start

        .text
        .align 16
        .global trap_stubs
trap_stubs:
        vec = 0
        .rept 32
        .align 16
        /* Vectors for which the CPU pushes an error code itself. */
        .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || \
            (vec == 21) || (vec == 29) || (vec == 30)
        .else
        push    $0
        .endif
        push    $vec
        jmp     trap_common
        vec = vec + 1
        .endr

trap_common:
        pusha
        push    %esp                    /* struct gtf_trap_frame * */
        call    gtf_trap
        ud2                             /* gtf_trap() does not return. */

        .data
        .align 8
gdt:
        .quad   0                       /* Null descriptor. */
        .quad   0x00cf9b000000ffff      /* GDT_CS: 4 GiB, 32-bit code. */
        .quad   0x00cf93000000ffff      /* GDT_DS: 4 GiB, data. */
gdt_end:

        .align 4
        .word   0                       /* Aligns the base field. */
gdt_ptr:
        .word   gdt_end - gdt - 1
        .long   gdt

        .bss
        .align 16
boot_stack:
        .skip   16384
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
