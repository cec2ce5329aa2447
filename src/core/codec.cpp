// SPDX-License-Identifier: Apache-2.0
#include <cstdlib>
#include <flow/codec.hpp>
#include <flow/error.hpp>
#include <string>

namespace flow {

Codec parse_codec(std::string_view name) {
  if (name.empty() || name == "json") {
    return Codec::json;
  }
  if (name == "proto" || name == "protobuf") {
    return Codec::protobuf;
  }
  throw ConfigError("FLOW_RUNTIME_CODEC is '" + std::string(name) +
                    "'; expected 'json' or 'proto' (unset means json)");
}

Codec codec_from_environment() {
  const char* value = std::getenv("FLOW_RUNTIME_CODEC");
  return parse_codec(value == nullptr ? std::string_view() : std::string_view(value));
}

std::string_view codec_name(Codec codec) noexcept {
  return codec == Codec::json ? "json" : "protobuf";
}

}  // namespace flow
