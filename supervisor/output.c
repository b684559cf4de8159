/* output.c: being written */
#include "supervise.h"
