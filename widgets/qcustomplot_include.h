#pragma once
// qcustomplot.h uses Qt's `foreach` macro in two inline templates, which QT_NO_FOREACH
// removes. Provide a range-for stand-in for exactly this include (as hotspot does) rather
// than dropping QT_NO_FOREACH for the whole project.

#include <QtGlobal>
#include <utility>

#ifdef foreach
#define SHARDSCOPE_HAD_FOREACH
#else
#define foreach(variable, container) for (variable : std::as_const(container))
#endif

#include <qcustomplot.h>

#ifndef SHARDSCOPE_HAD_FOREACH
#undef foreach
#endif
#undef SHARDSCOPE_HAD_FOREACH
