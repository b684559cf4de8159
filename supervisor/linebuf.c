/* linebuf.c: being written */
#include "supervise.h"
