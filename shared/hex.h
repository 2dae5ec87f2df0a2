/*
 * Hexadecimal digits, for digests, signatures and percent-encoding.
 */
#ifndef LIFTED_HEX_H
#define LIFTED_HEX_H

#include <stddef.h>

/* Writes the n bytes of in as 2n lower-case hex digits and a NUL to out
 * (which has room for 2n + 1). */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* The value of one hex digit (either case), or -1. */
int hex_digit(int c);

#endif
