// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: materialize requests decoded from JSON (cold path: spec, validate, apply, open and
// the per-transaction control messages), and every response encoded as one JSON line.
// Load and Store, the hot path, are decoded in session.cpp straight into reused buffers.

#include <flow/materialize.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/request_decoder.hpp"

namespace flow::materialize::detail {

namespace od = flow::detail::od;

od::object as_object(od::value value, std::string_view what);

SpecRequest decode_spec(od::value value);
Validate decode_validate(od::value value);
Apply decode_apply(od::value value);
Open decode_open(od::value value);
Flush decode_flush(od::value value);
Acknowledge decode_acknowledge(od::value value);
/// The runtime checkpoint's JSON text points into the request line.
StartCommit decode_start_commit(od::value value);

/// The constraint's proto enum name, as the chosen form's runtimes know it.
std::string_view constraint_type_name(ConstraintType type, ConstraintsForm form);

/// Each appends one complete response line (with '\n') to `out`.
void encode_spec(std::string& out, const Spec& spec);
void encode_validated(std::string& out,
                      const std::vector<ValidatedBinding>& bindings,
                      ConstraintsForm form);
void encode_applied(std::string& out, const Applied& applied);
void encode_opened(std::string& out, const Opened& opened);
void encode_acknowledged(std::string& out, const std::optional<ConnectorState>& state);
void encode_loaded(std::string& out, std::uint32_t binding, std::string_view doc_json);
void encode_flushed(std::string& out, const std::optional<ConnectorState>& state);
void encode_started_commit(std::string& out, const std::optional<ConnectorState>& state);

}  // namespace flow::materialize::detail
