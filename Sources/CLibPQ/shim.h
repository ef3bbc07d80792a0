#ifndef MLM_CLIBPQ_SHIM_H
#define MLM_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
