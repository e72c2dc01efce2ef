/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Find the statements of an xl.cfg whose key starts with "paravisor".
 *
 * libxlutil parses a file into settings it can look up by name but cannot
 * list, so an unknown key such as "paravisor_mem" would be silently
 * ignored.  This scanner follows the token rules of libxlutil's lexer
 * (libxlu_cfg_l.l): keys are [a-z][._0-9a-z]*, strings are '...' or "..."
 * with backslash escapes and never span a line, "#" starts a comment to
 * the end of the line, statements end at ";" or at a newline outside
 * "[...]" lists.  It runs after libxlutil accepted the text, so it only
 * has to agree with libxlutil on valid input; on anything else it skips
 * to the next statement.  Pure C, no Xen header.
 */
#include <stddef.h>
#include <string.h>

#include "toolstack/pvxl/libpvxl.h"

#define PREFIX "paravisor"
#define KEY_MAX 64

struct scanner {
    const char *p, *end;
    int line;
};

static int is_key_start(char c)
{
    return c >= 'a' && c <= 'z';
}

static int is_key_char(char c)
{
    return is_key_start(c) || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

/* Skip a quoted string starting at s->p (the opening quote). */
static void skip_string(struct scanner *s)
{
    char q = *s->p++;

    while ( s->p < s->end && *s->p != q && *s->p != '\n' )
    {
        if ( *s->p == '\\' && s->p + 1 < s->end && s->p[1] != '\n' )
            s->p++;
        s->p++;
    }
    if ( s->p < s->end && *s->p == q )
        s->p++;
}

/* Skip the rest of a statement: up to ';' or a newline outside a list. */
static void skip_statement(struct scanner *s)
{
    int depth = 0;

    while ( s->p < s->end )
    {
        char c = *s->p;

        if ( c == '"' || c == '\'' )
        {
            skip_string(s);
            continue;
        }
        if ( c == '#' )
        {
            while ( s->p < s->end && *s->p != '\n' )
                s->p++;
            continue;
        }
        if ( c == '\n' )
        {
            if ( depth <= 0 )
                return;
            s->line++;
        }
        else if ( c == ';' && depth <= 0 )
            return;
        else if ( c == '[' )
            depth++;
        else if ( c == ']' )
            depth--;
        s->p++;
    }
}

int pvr_pvxl_scan(const char *text, size_t len, pvr_pvxl_scan_fn *fn,
                  void *arg)
{
    struct scanner s = { .p = text, .end = text + len, .line = 1 };
    char key[KEY_MAX + 1];
    int r;

    while ( s.p < s.end )
    {
        const char *k;
        size_t n;

        switch ( *s.p )
        {
        case '\n':
            /* A newline also ends an empty statement. */
            s.line++;
            /* fall through */
        case ' ':
        case '\t':
        case ';':
        case '\r':
            s.p++;
            continue;
        }
        if ( !is_key_start(*s.p) )
        {
            skip_statement(&s);
            continue;
        }
        k = s.p;
        while ( s.p < s.end && is_key_char(*s.p) )
            s.p++;
        n = (size_t)(s.p - k);
        if ( n >= strlen(PREFIX) && !memcmp(k, PREFIX, strlen(PREFIX)) )
        {
            if ( n > KEY_MAX )
                n = KEY_MAX;
            memcpy(key, k, n);
            key[n] = '\0';
            r = fn(key, s.line, arg);
            if ( r )
                return r;
        }
        skip_statement(&s);
    }
    return 0;
}
