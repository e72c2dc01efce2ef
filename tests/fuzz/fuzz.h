/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libFuzzer entry point every target defines.  The same target
 * builds against libFuzzer (clang -fsanitize=fuzzer, --enable-fuzzing)
 * and against replay.c, which feeds it the committed corpus in
 * make check with any compiler.
 */
#ifndef PVR_FUZZ_H
#define PVR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Pull n bytes from the input, zero-filling past its end. */
static inline void fuzz_take(const uint8_t **data, size_t *size, void *out,
                             size_t n)
{
    size_t k = n < *size ? n : *size;
    size_t i;

    for ( i = 0; i < k; i++ )
        ((uint8_t *)out)[i] = (*data)[i];
    for ( ; i < n; i++ )
        ((uint8_t *)out)[i] = 0;
    *data += k;
    *size -= k;
}

#endif /* PVR_FUZZ_H */
