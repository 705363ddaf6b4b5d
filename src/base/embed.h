/*
 * embed — files built into the parley binary (.incbin, paths relative to the
 * project's root, where make runs). EMBED_FILE(sym, "path") defines
 * `const char sym[]` (the bytes, then a NUL) and `const uint64_t sym_len`.
 * The Makefile makes the object depend on every file named this way (it
 * reads the EMBED_FILE lines of the source).
 */
#ifndef PARLEY_EMBED_H
#define PARLEY_EMBED_H

#include <stdint.h>

#define EMBED_FILE(sym, path)                                                                             \
	__asm__(".section .rodata\n.balign 16\n.hidden " #sym "\n.globl " #sym "\n" #sym ":\n.incbin \"" path \
		"\"\n" #sym "_end:\n.byte 0\n.balign 8\n.hidden " #sym "_len\n.globl " #sym "_len\n" #sym     \
		"_len:\n.quad " #sym "_end - " #sym "\n.previous\n");                                             \
	extern const char sym[];                                                                            \
	extern const uint64_t sym##_len

#endif
