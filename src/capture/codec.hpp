// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: capture requests decoded from JSON lines, and responses encoded to them.

#include <flow/capture.hpp>
#include <string>
#include <variant>

#include "core/request_decoder.hpp"

namespace flow::capture::detail {

struct AcknowledgeRequest {
  std::uint32_t checkpoints = 0;
};

using Request = std::variant<SpecRequest, Discover, Validate, Apply, Open, AcknowledgeRequest>;

/// Decodes one request line. Throws flow::ProtocolError naming the line for malformed JSON,
/// an unknown request, or a field of the wrong type.
Request decode_request(flow::detail::RequestParser& parser, const Line& line);

/// Each appends one complete response line (with '\n') to `out`.
void encode_spec(std::string& out, const Spec& spec);
void encode_discovered(std::string& out, const std::vector<DiscoveredBinding>& bindings);
void encode_validated(std::string& out, const std::vector<ValidatedBinding>& bindings);
void encode_applied(std::string& out, const Applied& applied);
void encode_opened(std::string& out, bool explicit_acknowledgements);

}  // namespace flow::capture::detail
