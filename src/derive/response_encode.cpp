// SPDX-License-Identifier: Apache-2.0
#include "derive/response_encode.hpp"

#include <flow/json_writer.hpp>

#include "core/response_encoder.hpp"

namespace flow::derive::detail {

namespace {

void encode_with_optional_state(std::string& out,
                                std::string_view variant,
                                const std::optional<ConnectorState>& state) {
  JsonWriter writer(out);
  writer.begin_object().key(variant).begin_object();
  if (state) {
    writer.key("state");
    flow::detail::write_connector_state(writer, *state);
  }
  writer.end_object().end_object();
  out.push_back('\n');
}

}  // namespace

void encode_spec(std::string& out, const Spec& spec) {
  JsonWriter writer(out);
  writer.begin_object().key("spec").begin_object();
  flow::detail::write_spec_common(writer, spec.config_schema, spec.lambda_config_schema,
                                  spec.documentation_url, spec.oauth2);
  writer.end_object().end_object();
  out.push_back('\n');
}

void encode_validated(std::string& out, const Validated& validated) {
  JsonWriter writer(out);
  writer.begin_object().key("validated").begin_object();
  writer.key("transforms").begin_array();
  for (const auto& transform : validated.transforms) {
    writer.begin_object();
    if (transform.read_only) {
      writer.key("readOnly").boolean(true);
    }
    writer.end_object();
  }
  writer.end_array();
  if (!validated.generated_files.empty()) {
    writer.key("generatedFiles").begin_object();
    for (const auto& [url, content] : validated.generated_files) {
      writer.key(url).string(content);
    }
    writer.end_object();
  }
  writer.end_object().end_object();
  out.push_back('\n');
}

void encode_opened(std::string& out) {
  out.append(R"({"opened":{}})"
             "\n");
}

void encode_published(std::string& out, std::string_view doc_json) {
  out.append(R"({"published":{"doc":)");
  out.append(doc_json);
  out.append("}}\n");
}

void encode_flushed(std::string& out, const std::optional<ConnectorState>& state) {
  encode_with_optional_state(out, "flushed", state);
}

void encode_started_commit(std::string& out, const std::optional<ConnectorState>& state) {
  encode_with_optional_state(out, "startedCommit", state);
}

}  // namespace flow::derive::detail
