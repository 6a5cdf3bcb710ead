#ifndef SLADD_CPCRE2_SHIM_H
#define SLADD_CPCRE2_SHIM_H
// sladd matches bytes, so it uses the 8-bit code unit library (libpcre2-8).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
