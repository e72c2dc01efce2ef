/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvinit: PID 1 of the paravisor domain (the initramfs's /init).
 *
 * Theory of operation.  The paravisor domain boots Debian's kernel as a
 * PVH domU with an initramfs that holds this program, pvdomaind with its
 * shared libraries and a handful of Xen modules.  pvinit:
 *
 *   1. mounts /proc, /sys and devtmpfs on /dev, and points fds 0-2 at
 *      /dev/console (hvc0);
 *   2. loads the modules listed in /etc/modules.order, one path a line,
 *      dependencies first (the image build writes the file), with
 *      finit_module(2);
 *   3. mounts xenfs on /proc/xen and waits, bounded, for the device nodes
 *      pvdomaind opens: /dev/xen/{privcmd,evtchn,gntdev,gntalloc,xenbus}
 *      (gntalloc: the grants its blkif frontend shares with dom0's
 *      blkback for paravisor_nvme);
 *   4. reads /local/domain/<self>/paravisor/tpm from xenstore and, when
 *      it is 1, waits, bounded, for the state disk /dev/xvda;
 *   5. runs /bin/pvdomaind --xenstore-config, which reads the rest of its
 *      configuration from xenstore, and reaps every child;
 *   6. when pvdomaind exits, logs how, stops what is left and powers the
 *      domain off, so that the toolstack sees the paravisor die.
 *
 * A failure in 1-4 prints one "pvinit: ..." line on the console, is
 * written to .../paravisor/error when xenstore is reachable (so pvxl can
 * say why), and powers the domain off.  A missing paravisor/tpm node is
 * not pvinit's to judge: pvdomaind is started anyway and reports the
 * missing configuration itself.  pvinit never returns; the kernel panics
 * if PID 1 exits.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#define PVINIT_MODULES_ORDER  "/etc/modules.order"
#define PVINIT_PVDOMAIND      "/bin/pvdomaind"
#define PVINIT_STATE_DISK     "/dev/xvda"
#define PVINIT_DEV_TIMEOUT_MS 20000
#define PVINIT_DISK_TIMEOUT_MS 20000
#define PVINIT_POLL_MS        20
#define PVINIT_KILL_GRACE_MS  2000

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const xen_devices[] = {
    "/dev/xen/privcmd", "/dev/xen/evtchn", "/dev/xen/gntdev",
    "/dev/xen/gntalloc", "/dev/xen/xenbus",
};

static struct xs_handle *xsh;
static char xs_dir[64];

static void vsay(int errnum, const char *fmt, va_list ap)
{
    char buf[512];
    int len = snprintf(buf, sizeof(buf), "pvinit: ");

    len += vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
    if ( errnum && len < (int)sizeof(buf) )
        len += snprintf(buf + len, sizeof(buf) - len, ": %s",
                        strerror(errnum));
    if ( len > (int)sizeof(buf) - 2 )
        len = sizeof(buf) - 2;
    buf[len++] = '\n';
    if ( write(2, buf, len) < 0 )
        return; /* Nowhere else to say it. */
}

/* One line on the console. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(0, fmt, ap);
    va_end(ap);
}

/* Seconds since boot, for the console lines the tests time. */
static double uptime(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while ( nanosleep(&ts, &ts) < 0 && errno == EINTR )
        continue;
}

/* True when PID 1 has no child left (orphans are re-parented to us). */
static bool no_children(void)
{
    pid_t r;

    while ( (r = waitpid(-1, NULL, WNOHANG)) > 0 )
        continue;
    return r < 0 && errno == ECHILD;
}

/*
 * Stop everything and power the domain off; never returns.  Whatever is
 * still running (pvdomaind's worker) gets SIGTERM, then SIGKILL.
 */
static void __attribute__((noreturn)) power_off(void)
{
    unsigned int waited = 0;

    if ( !no_children() )
    {
        kill(-1, SIGTERM);
        while ( !no_children() && waited < PVINIT_KILL_GRACE_MS )
        {
            sleep_ms(PVINIT_POLL_MS);
            waited += PVINIT_POLL_MS;
        }
        if ( waited >= PVINIT_KILL_GRACE_MS )
            kill(-1, SIGKILL);
    }
    if ( xsh )
        xs_close(xsh);
    sync();
    say("powering off at %.2f s", uptime());
    reboot(RB_POWER_OFF);
    /* Only reached if the hypervisor refused: nothing else can be done. */
    for ( ;; )
        pause();
}

/* A failure before pvdomaind runs: console, xenstore error node, off. */
static void __attribute__((noreturn, format(printf, 2, 3)))
fatal(int errnum, const char *fmt, ...)
{
    char node[96], msg[256];
    va_list ap;
    int len;

    va_start(ap, fmt);
    vsay(errnum, fmt, ap);
    va_end(ap);
    if ( xsh && xs_dir[0] )
    {
        len = snprintf(msg, sizeof(msg), "pvinit: ");
        va_start(ap, fmt);
        len += vsnprintf(msg + len, sizeof(msg) - len, fmt, ap);
        va_end(ap);
        if ( errnum && len < (int)sizeof(msg) )
            snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(errnum));
        snprintf(node, sizeof(node), "%s/error", xs_dir);
        xs_write(xsh, XBT_NULL, node, msg, strlen(msg));
    }
    power_off();
}

/* Point fds 0, 1 and 2 at the console (after devtmpfs is mounted). */
static void open_console(void)
{
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);

    if ( fd < 0 )
        return; /* Keep what the kernel gave us, if anything. */
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if ( fd > 2 )
        close(fd);
}

static void mount_one(const char *src, const char *dir, const char *type)
{
    /* /proc/xen exists once xenfs is loaded; the others are in the cpio. */
    if ( access(dir, F_OK) < 0 && mkdir(dir, 0755) < 0 )
        fatal(errno, "mkdir %s", dir);
    if ( mount(src, dir, type, MS_NOSUID | MS_NOEXEC, NULL) < 0 &&
         errno != EBUSY )
        fatal(errno, "mount %s on %s", type, dir);
}

/* The module's name for the console: the file name without ".ko". */
static const char *module_name(char *path)
{
    char *base = strrchr(path, '/'), *dot;

    base = base ? base + 1 : path;
    dot = strstr(base, ".ko");
    if ( dot )
        *dot = '\0';
    return base;
}

/*
 * Parameters for a module.  Since XSA-482 a domU's privcmd refuses every
 * hypercall but device-model operations and mappings of its xenstore
 * target; pvdomaind's parent still needs getdomaininfo on its guest,
 * which Xen's policy grants a domain with target privilege.  What the
 * paravisor domain may do is bounded by Xen (set_target, XSM), and
 * pvdomaind's worker restricts its own handles to the guest
 * (IOCTL_PRIVCMD_RESTRICT) before it reads anything the guest controls.
 */
static const char *module_params(const char *path)
{
    return strstr(path, "/xen-privcmd.ko") ? "unrestricted=1" : "";
}

/* Load every module of /etc/modules.order, in order. */
static void load_modules(void)
{
    FILE *f = fopen(PVINIT_MODULES_ORDER, "re");
    char line[256];
    unsigned int n = 0;
    double t0 = uptime();
    int fd;

    if ( !f )
        fatal(errno, "%s (the image build writes it)", PVINIT_MODULES_ORDER);
    while ( fgets(line, sizeof(line), f) )
    {
        line[strcspn(line, "\r\n")] = '\0';
        if ( !line[0] || line[0] == '#' )
            continue;
        fd = open(line, O_RDONLY | O_CLOEXEC);
        if ( fd < 0 )
            fatal(errno, "module %s", line);
        if ( syscall(SYS_finit_module, fd, module_params(line), 0) < 0 &&
             errno != EEXIST )
            fatal(errno, "finit_module %s", line);
        close(fd);
        say("module %s loaded", module_name(line));
        n++;
    }
    fclose(f);
    say("%u modules loaded in %.2f s", n, uptime() - t0);
}

/* Wait up to timeout_ms for every path to exist; the first missing one. */
static const char *wait_paths(const char *const *paths, size_t n,
                              unsigned int timeout_ms)
{
    unsigned int waited = 0;
    size_t i;

    for ( ;; )
    {
        for ( i = 0; i < n; i++ )
            if ( access(paths[i], F_OK) < 0 )
                break;
        if ( i == n )
            return NULL;
        if ( waited >= timeout_ms )
            return paths[i];
        sleep_ms(PVINIT_POLL_MS);
        waited += PVINIT_POLL_MS;
    }
}

static void wait_xen_devices(void)
{
    double t0 = uptime();
    const char *missing;

    missing = wait_paths(xen_devices, ARRAY_SIZE(xen_devices),
                         PVINIT_DEV_TIMEOUT_MS);
    if ( missing )
        fatal(0, "%s did not appear within %u s (is its module in %s?)",
              missing, PVINIT_DEV_TIMEOUT_MS / 1000, PVINIT_MODULES_ORDER);
    say("devices ready in %.2f s: privcmd evtchn gntdev xenbus gntalloc",
        uptime() - t0);
}

/*
 * Open xenstore, learn our domid and read paravisor/tpm.  Returns true
 * when the state disk is to be waited for.
 */
static bool read_config(void)
{
    char *domid, *tpm;
    unsigned int len;
    bool want_disk;

    xsh = xs_open(0);
    if ( !xsh )
        fatal(errno, "cannot open xenstore through /dev/xen/xenbus");
    domid = xs_read(xsh, XBT_NULL, "domid", &len);
    if ( !domid )
        fatal(errno, "cannot read our own domid from xenstore");
    snprintf(xs_dir, sizeof(xs_dir), "/local/domain/%s/paravisor", domid);
    free(domid);

    tpm = xs_read(xsh, XBT_NULL, "paravisor/tpm", &len);
    if ( !tpm )
    {
        /* pvdomaind owns the configuration and says what is missing. */
        say("no %s/tpm in xenstore; starting pvdomaind anyway", xs_dir);
        xs_dir[0] = '\0';
        return false;
    }
    if ( strcmp(tpm, "0") && strcmp(tpm, "1") )
        fatal(0, "%s/tpm is '%.16s': expected 1 or 0 (written by pvxl)",
              xs_dir, tpm);
    want_disk = !strcmp(tpm, "1");
    free(tpm);
    say("%s/tpm = %d", xs_dir, want_disk);
    return want_disk;
}

static void wait_state_disk(void)
{
    static const char *const disk[] = { PVINIT_STATE_DISK };
    double t0 = uptime();

    if ( wait_paths(disk, 1, PVINIT_DISK_TIMEOUT_MS) )
        fatal(0, "the state disk %s did not appear within %u s (tpm=1: "
              "is it attached as vdev xvda?)", PVINIT_STATE_DISK,
              PVINIT_DISK_TIMEOUT_MS / 1000);
    say("state disk %s ready in %.2f s", PVINIT_STATE_DISK, uptime() - t0);
}

/*
 * One line with where the domain's memory is, read from /proc/meminfo
 * just before pvdomaind starts: the initramfs lives in Shmem (rootfs is
 * a tmpfs), the rest is the kernel's.
 */
static void say_meminfo(void)
{
    static const char *const keys[] = {
        "MemTotal", "MemFree", "MemAvailable", "Cached", "Shmem", "Slab",
        "SReclaimable", "SUnreclaim", "KernelStack", "PageTables",
        "VmallocUsed", "Percpu",
    };
    FILE *f = fopen("/proc/meminfo", "re");
    char line[128], out[400], key[32];
    unsigned long kb;
    size_t len = 0, i;

    if ( !f )
        return;
    out[0] = '\0';
    while ( fgets(line, sizeof(line), f) )
    {
        if ( sscanf(line, "%31[^:]: %lu kB", key, &kb) != 2 )
            continue;
        for ( i = 0; i < ARRAY_SIZE(keys); i++ )
            if ( !strcmp(key, keys[i]) && len < sizeof(out) )
                len += snprintf(out + len, sizeof(out) - len, " %s=%lu",
                                key, kb);
    }
    fclose(f);
    say("meminfo kB:%s", out);
}

static pid_t start_pvdomaind(void)
{
    static char *const argv[] = {
        (char *)PVINIT_PVDOMAIND, (char *)"--xenstore-config", NULL,
    };
    static char *const envp[] = {
        (char *)"PATH=/bin", (char *)"HOME=/", NULL,
    };
    pid_t pid;

    say("starting %s --xenstore-config at %.2f s", PVINIT_PVDOMAIND,
        uptime());
    pid = fork();
    if ( pid < 0 )
        fatal(errno, "fork");
    if ( pid == 0 )
    {
        execve(argv[0], argv, envp);
        say("exec %s failed: %s", PVINIT_PVDOMAIND, strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Reap children until pvdomaind is gone; log how it ended. */
static void reap_until(pid_t daemon)
{
    int status;
    pid_t pid;

    for ( ;; )
    {
        pid = waitpid(-1, &status, 0);
        if ( pid < 0 )
        {
            if ( errno == EINTR )
                continue;
            say("waitpid: %s", strerror(errno));
            return;
        }
        if ( pid != daemon )
            continue;
        if ( WIFEXITED(status) )
            say("pvdomaind exited with status %d at %.2f s",
                WEXITSTATUS(status), uptime());
        else if ( WIFSIGNALED(status) )
            say("pvdomaind killed by signal %d (%s) at %.2f s",
                WTERMSIG(status), strsignal(WTERMSIG(status)), uptime());
        return;
    }
}

int main(void)
{
    pid_t daemon;

    if ( getpid() != 1 )
    {
        fprintf(stderr, "pvinit: must run as PID 1, the /init of the "
                "paravisor domain's initramfs\n");
        return 2;
    }
    mount_one("devtmpfs", "/dev", "devtmpfs");
    open_console();
    say("started at %.2f s", uptime());
    mount_one("proc", "/proc", "proc");
    mount_one("sysfs", "/sys", "sysfs");
    load_modules();
    mount_one("xenfs", "/proc/xen", "xenfs");
    wait_xen_devices();
    if ( read_config() )
        wait_state_disk();

    say_meminfo();
    daemon = start_pvdomaind();
    reap_until(daemon);
    power_off();
}
