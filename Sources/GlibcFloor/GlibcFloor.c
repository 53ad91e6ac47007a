// Keeps the installed Linux file runnable on glibc 2.35 (Ubuntu 22.04).
//
// scripts/install links the C++ library statically, and its std::random_device asks for
// arc4random, which glibc added in 2.36: the file would then refuse to start on anything older.
// A definition here is what the linker binds that reference to instead: the same contract (a
// uniformly random 32-bit value from the kernel's generator), through getrandom (glibc 2.25).
#include <stdint.h>  // first: it tells whether the C library is glibc (__GLIBC__)
#if defined(__linux__) && defined(__GLIBC__)
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

uint32_t arc4random(void) {
    uint32_t value;
    unsigned char *p = (unsigned char *)&value;
    size_t got = 0;
    while (got < sizeof value) {
        ssize_t n = getrandom(p + got, sizeof value - got, 0);
        if (n > 0) {
            got += (size_t)n;
        } else if (n < 0 && errno != EINTR) {
            abort();  // no randomness at all: as glibc's own arc4random, stop rather than guess
        }
    }
    return value;
}
#endif
