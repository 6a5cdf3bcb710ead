#ifndef SLADD_CZLIB_SHIM_H
#define SLADD_CZLIB_SHIM_H
#include <zlib.h>
#endif
