// Nothing to call: this target only supplies symbols at link time (see GlibcFloor.c).
#ifndef GLIBC_FLOOR_H
#define GLIBC_FLOOR_H
#endif
