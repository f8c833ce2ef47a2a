// SPDX-License-Identifier: MIT
// What every fuzz target checks its properties with.
#pragma once

#include <cstdlib>

namespace vigil::fuzz {

/// Stops the run when a property does not hold: libFuzzer keeps the input that got here.
inline void check(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace vigil::fuzz
