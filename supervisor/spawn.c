/* spawn.c: being written */
#include "supervise.h"
