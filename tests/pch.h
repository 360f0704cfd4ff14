// The tests' precompiled header: torch and Qt Test together, with Qt's keywords off (STYLE.md).
#pragma once

#include "../model/pch.h"

#include <QtTest>
