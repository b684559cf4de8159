/* config.c: being written */
#include "supervise.h"
