// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: derive requests from simdjson On-Demand values into the public request structs.
// Tolerant like every request decoder (unknown fields skipped, camelCase or snake_case names,
// proto3 defaults for missing fields); failures throw flow::detail::DecodeError naming the
// field.

#include <flow/derive.hpp>

#include "core/request_decoder.hpp"

namespace flow::derive::detail {

namespace od = simdjson::ondemand;

SpecRequest decode_spec(od::value body);
Validate decode_validate(od::value body);
Open decode_open(od::value body);
/// The hot path: the views in the result point into the request line (no copies).
Read decode_read(od::value body);
/// Decodes `collection.derivation`. Pure, for tests.
Derivation decode_derivation(od::value value);

}  // namespace flow::derive::detail
