// SPDX-License-Identifier: Apache-2.0
#include <flow/json_writer.hpp>

#include "capture/codec.hpp"
#include "core/response_encoder.hpp"

namespace flow::capture::detail {

namespace {

void write_strings(JsonWriter& w, const std::vector<std::string>& values) {
  w.begin_array();
  for (const auto& value : values) {
    w.string(value);
  }
  w.end_array();
}

}  // namespace

void encode_spec(std::string& out, const Spec& spec) {
  JsonWriter w(out);
  w.begin_object().key("spec").begin_object();
  flow::detail::write_spec_common(w, spec.config_schema, spec.resource_config_schema,
                                  spec.documentation_url, spec.oauth2);
  if (!spec.resource_path_pointers.empty()) {
    w.key("resourcePathPointers");
    write_strings(w, spec.resource_path_pointers);
  }
  w.end_object().end_object();
  out.push_back('\n');
}

void encode_discovered(std::string& out, const std::vector<DiscoveredBinding>& bindings) {
  JsonWriter w(out);
  w.begin_object().key("discovered").begin_object().key("bindings").begin_array();
  for (const auto& b : bindings) {
    w.begin_object().key("recommendedName").string(b.recommended_name);
    w.key("resourceConfig");
    flow::detail::write_json(w, b.resource_config);
    w.key("documentSchema");
    flow::detail::write_json(w, b.document_schema);
    w.key("key");
    write_strings(w, b.key);
    if (b.disable) {
      w.key("disable").boolean(true);
    }
    if (!b.resource_path.empty()) {
      w.key("resourcePath");
      write_strings(w, b.resource_path);
    }
    if (b.is_fallback_key) {
      w.key("isFallbackKey").boolean(true);
    }
    w.end_object();
  }
  w.end_array().end_object().end_object();
  out.push_back('\n');
}

void encode_validated(std::string& out, const std::vector<ValidatedBinding>& bindings) {
  JsonWriter w(out);
  w.begin_object().key("validated").begin_object().key("bindings").begin_array();
  for (const auto& b : bindings) {
    w.begin_object().key("resourcePath");
    write_strings(w, b.resource_path);
    w.end_object();
  }
  w.end_array().end_object().end_object();
  out.push_back('\n');
}

void encode_applied(std::string& out, const Applied& applied) {
  JsonWriter w(out);
  w.begin_object().key("applied").begin_object();
  if (!applied.action_description.empty()) {
    w.key("actionDescription").string(applied.action_description);
  }
  if (applied.state) {
    w.key("state");
    flow::detail::write_connector_state(w, *applied.state);
  }
  w.end_object().end_object();
  out.push_back('\n');
}

void encode_opened(std::string& out, bool explicit_acknowledgements) {
  out.append(explicit_acknowledgements ? R"({"opened":{"explicitAcknowledgements":true}})"
                                       : R"({"opened":{}})");
  out.push_back('\n');
}

}  // namespace flow::capture::detail
