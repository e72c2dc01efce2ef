/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Console output: a small vsnprintf() and printk() writing to the debug
 * port 0xE9, which both Xen (HVM guests, "xl dmesg") and QEMU
 * (-debugcon) capture.
 *
 * The formatter knows what the tests use: the flags '-' and '0', a field
 * width, a precision for %s, the length modifiers hh, h, l, ll and z, and
 * the conversions d i u x X p s c %.  64-bit division is done with a
 * 64-by-32 "divl" so that no libgcc helper is needed.
 */
#include "guest.h"

#define DEBUGCON_PORT 0xe9

static void console_write(const char *s, size_t len)
{
    size_t i;

    for ( i = 0; i < len; i++ )
        outb(DEBUGCON_PORT, (uint8_t)s[i]);
}

uint32_t gtf_div64_32(uint64_t *n, uint32_t base)
{
    uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n, rem;
    uint32_t qhi = hi / base;

    /* hi % base < base, so the divl below cannot overflow. */
    hi %= base;
    asm ( "divl %[b]" : "=a" (lo), "=d" (rem)
                      : "0" (lo), "1" (hi), [b] "rm" (base) );
    *n = ((uint64_t)qhi << 32) | lo;
    return rem;
}

struct out {
    char *buf;
    size_t size;
    size_t len;     /* Characters produced, including any dropped. */
};

static void out_char(struct out *o, char c)
{
    if ( o->len + 1 < o->size )
        o->buf[o->len] = c;
    o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
    while ( n-- > 0 )
        out_char(o, c);
}

struct spec {
    bool left, zero;
    int width, precision;
};

static void out_str(struct out *o, const char *s, const struct spec *sp)
{
    int len = 0, i;

    if ( !s )
        s = "(null)";
    while ( s[len] && (sp->precision < 0 || len < sp->precision) )
        len++;
    if ( !sp->left )
        out_pad(o, ' ', sp->width - len);
    for ( i = 0; i < len; i++ )
        out_char(o, s[i]);
    if ( sp->left )
        out_pad(o, ' ', sp->width - len);
}

static void out_num(struct out *o, uint64_t val, bool neg, uint32_t base,
                    bool upper, const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, len;

    do {
        tmp[n++] = digits[gtf_div64_32(&val, base)];
    } while ( val );

    len = n + neg;
    if ( sp->left )
    {
        if ( neg )
            out_char(o, '-');
        while ( n )
            out_char(o, tmp[--n]);
        out_pad(o, ' ', sp->width - len);
        return;
    }
    if ( sp->zero )
    {
        if ( neg )
            out_char(o, '-');
        out_pad(o, '0', sp->width - len);
    }
    else
    {
        out_pad(o, ' ', sp->width - len);
        if ( neg )
            out_char(o, '-');
    }
    while ( n )
        out_char(o, tmp[--n]);
}

static int parse_int(const char **p)
{
    int v = 0;

    while ( **p >= '0' && **p <= '9' )
        v = v * 10 + (*(*p)++ - '0');
    return v;
}

/*
 * Fetches an integer argument.  LEN is the length modifier: 'H' (hh),
 * 'h', 0 (none), 'l', 'L' (ll) or 'z'.
 */
static uint64_t fetch(va_list *ap, char len, bool is_signed, bool *neg)
{
    int64_t s;

    *neg = false;
    if ( !is_signed )
    {
        if ( len == 'L' )
            return va_arg(*ap, unsigned long long);
        if ( len == 'l' )
            return va_arg(*ap, unsigned long);
        if ( len == 'z' )
            return va_arg(*ap, size_t);
        if ( len == 'h' )
            return (uint16_t)va_arg(*ap, unsigned int);
        if ( len == 'H' )
            return (uint8_t)va_arg(*ap, unsigned int);
        return va_arg(*ap, unsigned int);
    }

    if ( len == 'L' )
        s = va_arg(*ap, long long);
    else if ( len == 'l' )
        s = va_arg(*ap, long);
    else if ( len == 'h' )
        s = (int16_t)va_arg(*ap, int);
    else if ( len == 'H' )
        s = (int8_t)va_arg(*ap, int);
    else
        s = va_arg(*ap, int);

    if ( s < 0 )
    {
        *neg = true;
        return 0 - (uint64_t)s;
    }
    return (uint64_t)s;
}

static const char *format_one(struct out *o, const char *p, va_list *ap)
{
    struct spec sp = { .precision = -1 };
    char len = 0;
    bool neg;
    uint64_t v;

    for ( ; ; p++ )
    {
        if ( *p == '-' )
            sp.left = true;
        else if ( *p == '0' )
            sp.zero = true;
        else
            break;
    }
    if ( *p == '*' )
    {
        sp.width = va_arg(*ap, int);
        p++;
    }
    else
        sp.width = parse_int(&p);
    if ( *p == '.' )
    {
        p++;
        if ( *p == '*' )
        {
            sp.precision = va_arg(*ap, int);
            p++;
        }
        else
            sp.precision = parse_int(&p);
    }
    if ( *p == 'h' )
        len = (*++p == 'h') ? (p++, 'H') : 'h';
    else if ( *p == 'l' )
        len = (*++p == 'l') ? (p++, 'L') : 'l';
    else if ( *p == 'z' )
        len = (p++, 'z');

    switch ( *p )
    {
    case 'd':
    case 'i':
        v = fetch(ap, len, true, &neg);
        out_num(o, v, neg, 10, false, &sp);
        break;
    case 'u':
    case 'x':
    case 'X':
        v = fetch(ap, len, false, &neg);
        out_num(o, v, false, *p == 'u' ? 10 : 16, *p == 'X', &sp);
        break;
    case 'p':
        out_str(o, "0x", &(struct spec){ .precision = -1 });
        out_num(o, (uintptr_t)va_arg(*ap, void *), false, 16, false,
                &(struct spec){ .zero = true, .width = 8 });
        break;
    case 's':
        out_str(o, va_arg(*ap, const char *), &sp);
        break;
    case 'c':
        out_char(o, (char)va_arg(*ap, int));
        break;
    case '%':
        out_char(o, '%');
        break;
    default:
        /* Unknown conversion: print it literally so the bug is visible. */
        out_char(o, '%');
        if ( !*p )
            return p;
        out_char(o, *p);
        break;
    }
    return p + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
    struct out o = { .buf = buf, .size = size };
    va_list ap;

    va_copy(ap, args);
    while ( *fmt )
    {
        if ( *fmt != '%' )
            out_char(&o, *fmt++);
        else
            fmt = format_one(&o, fmt + 1, &ap);
    }
    va_end(ap);

    if ( size )
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list args;
    int rc;

    va_start(args, fmt);
    rc = vsnprintf(buf, size, fmt, args);
    va_end(args);
    return rc;
}

void vprintk(const char *fmt, va_list args)
{
    char buf[256];
    int len = vsnprintf(buf, sizeof(buf), fmt, args);

    if ( len >= (int)sizeof(buf) )
        len = sizeof(buf) - 1;
    console_write(buf, (size_t)len);
}

void printk(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vprintk(fmt, args);
    va_end(args);
}

void panic(const char *fmt, ...)
{
    static bool in_panic;
    va_list args;

    /* A fault while panicking must not recurse: just stop. */
    if ( in_panic )
        cpu_halt_forever();
    in_panic = true;

    printk("PANIC: ");
    va_start(args, fmt);
    vprintk(fmt, args);
    va_end(args);
    printk("\n");
    gtf_shutdown(GTF_CRASH);
}

const char *gtf_strerror(int err)
{
    switch ( err < 0 ? -err : err )
    {
    case 0:          return "success";
    case EPERM:      return "not permitted";
    case ESRCH:      return "no such entry";
    case ENOMEM:     return "out of memory";
    case EFAULT:     return "bad address";
    case EBUSY:      return "busy";
    case ENODEV:     return "no device";
    case EINVAL:     return "invalid argument";
    case ERANGE:     return "out of range";
    case ENOSYS:     return "not implemented";
    case EPROTO:     return "protocol error";
    case EMSGSIZE:   return "message too long";
    case EOPNOTSUPP: return "not supported";
    case ETIMEDOUT:  return "timed out";
    default:        return "unknown error";
    }
}
