// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: derive requests from simdjson On-Demand values into the public request structs.
// Tolerant like every request decoder (unknown fields skipped, camelCase or snake_case names,
// proto3 defaults for missing fields); failures throw flow::detail::DecodeError naming the
// field.

#include <flow/derive.hpp>
#include <string>
#include <string_view>

#include "core/request_decoder.hpp"

namespace flow::derive::detail {

namespace od = simdjson::ondemand;

SpecRequest decode_spec(od::value body);
Validate decode_validate(od::value body);
Open decode_open(od::value body);
/// Where a Read's packed shuffle key is decoded to; one per session, reused by every read.
struct ShuffleKeyScratch {
  std::string bytes;  ///< the FDB tuple, decoded from base64 (JSON codec)
  std::string json;   ///< the key as a JSON array; Read::shuffle_key views it
};

/// The hot path: the views in the result point into the request line (no copies), or, for
/// a shuffle key that came only packed, into `scratch.json`.
Read decode_read(od::value body, ShuffleKeyScratch& scratch);

/// Sets `read.shuffle_key` to the FDB tuple `packed` as a JSON array (`[1,"a"]`), written to
/// `json`, so a connector sees the same key whichever form the runtime sent. Throws
/// DecodeError naming `read.shuffle.packed` for bytes that are not a tuple.
void set_shuffle_key_from_packed(Read& read, std::string_view packed, std::string& json);
/// Decodes `collection.derivation`. Pure, for tests.
Derivation decode_derivation(od::value value);

}  // namespace flow::derive::detail
