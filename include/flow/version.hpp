// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

/// Version of this SDK and of the Flow connector protocol it speaks.
///
/// Example:
///   static_assert(flow::kProtocolVersion == 3032023);
namespace flow {

inline constexpr int kSdkVersionMajor = 0;
inline constexpr int kSdkVersionMinor = 1;
inline constexpr int kSdkVersionPatch = 0;

/// Every Spec response carries this number. connector-init rejects a capture whose Spec says
/// anything else (including 0 or an omitted field), so the SDK stamps it, never the author.
inline constexpr std::uint32_t kProtocolVersion = 3032023;

}  // namespace flow
