// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: standard-alphabet base64 (RFC 4648 §4), as proto3 JSON encodes `bytes` fields
// such as `keyPacked`. Decoding appends to a caller-owned buffer so the Store hot path can
// reuse one buffer for every request (core's get_bytes returns a fresh std::string).

#include <string>
#include <string_view>

namespace flow::detail {

/// Appends the base64 encoding of `bytes` to `out`, with '=' padding.
void base64_encode(std::string& out, std::string_view bytes);

/// Appends the bytes `text` encodes to `out`. Padding is optional. Returns false (leaving
/// `out` partly appended) if `text` holds a character outside the alphabet or has an
/// impossible length.
[[nodiscard]] bool base64_decode(std::string& out, std::string_view text);

}  // namespace flow::detail
