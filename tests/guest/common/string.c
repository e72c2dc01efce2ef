/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The string functions a freestanding image still needs: GCC emits calls
 * to memcpy and memset for structure copies and initialisers even with
 * -ffreestanding.  memcpy and memset are "rep movsb" / "rep stosb", which
 * also keeps GCC from recognising their loops and calling themselves.
 */
#include "guest.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;

    asm volatile ( "rep movsb"
                   : "+D" (d), "+S" (src), "+c" (n)
                   :: "memory" );
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;

    asm volatile ( "rep stosb"
                   : "+D" (d), "+c" (n)
                   : "a" (c)
                   : "memory" );
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;

    for ( ; n; n--, p++, q++ )
        if ( *p != *q )
            return *p < *q ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while ( s[n] )
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for ( ; n; n--, a++, b++ )
    {
        if ( *a != *b )
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        if ( !*a )
            break;
    }
    return 0;
}
