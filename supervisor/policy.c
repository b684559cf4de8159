/* policy.c: being written */
#include "supervise.h"
