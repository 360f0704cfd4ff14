// The tests' precompiled header: torch and Qt Test together, with Qt's keywords off
// (docs/CONTRIBUTING.md).
#pragma once

#include "../model/pch.h"

#include <QtTest>
