// SPDX-License-Identifier: Apache-2.0
// Encoding of materialize responses (PROTOCOL.md §4.2): only defined fields, no nulls,
// proto3 defaults omitted.

#include <flow/json_writer.hpp>

#include "core/response_encoder.hpp"
#include "materialize/codec.hpp"

namespace flow::materialize::detail {

namespace {

void write_strings(JsonWriter& w, const std::vector<std::string>& values) {
  w.begin_array();
  for (const auto& value : values) {
    w.string(value);
  }
  w.end_array();
}

void write_constraint(JsonWriter& w, const Constraint& c, ConstraintsForm form) {
  w.begin_object().key("type").string(constraint_type_name(c.type, form));
  if (!c.reason.empty()) {
    w.key("reason").string(c.reason);
  }
  if (!c.folded_field.empty()) {
    w.key("foldedField").string(c.folded_field);
  }
  w.end_object();
}

// `{"<name>":{}}` or `{"<name>":{"state":{…}}}`.
void encode_with_state(std::string& out,
                       std::string_view name,
                       const std::optional<ConnectorState>& state) {
  JsonWriter w(out);
  w.begin_object().key(name).begin_object();
  if (state) {
    w.key("state");
    flow::detail::write_connector_state(w, *state);
  }
  w.end_object().end_object();
  out.push_back('\n');
}

}  // namespace

std::string_view constraint_type_name(ConstraintType type, ConstraintsForm form) {
  switch (type) {
    case ConstraintType::field_required:
      return "FIELD_REQUIRED";
    case ConstraintType::location_required:
      return "LOCATION_REQUIRED";
    case ConstraintType::location_recommended:
      return "LOCATION_RECOMMENDED";
    case ConstraintType::field_optional:
      return "FIELD_OPTIONAL";
    case ConstraintType::field_forbidden:
      return "FIELD_FORBIDDEN";
    case ConstraintType::incompatible:
      // Older protos (the map-form era) name this value UNSATISFIABLE; newer ones keep that
      // name as a deprecated alias of INCOMPATIBLE.
      return form == ConstraintsForm::map ? "UNSATISFIABLE" : "INCOMPATIBLE";
  }
  return "INVALID";
}

void encode_spec(std::string& out, const Spec& spec) {
  JsonWriter w(out);
  w.begin_object().key("spec").begin_object();
  flow::detail::write_spec_common(w, spec.config_schema, spec.resource_config_schema,
                                  spec.documentation_url, spec.oauth2);
  w.end_object().end_object();
  out.push_back('\n');
}

void encode_validated(std::string& out,
                      const std::vector<ValidatedBinding>& bindings,
                      ConstraintsForm form) {
  JsonWriter w(out);
  w.begin_object().key("validated").begin_object().key("bindings").begin_array();
  for (const auto& b : bindings) {
    w.begin_object();
    if (form == ConstraintsForm::map) {
      w.key("constraints").begin_object();
      for (const auto& fc : b.constraints) {
        w.key(fc.field);
        write_constraint(w, fc.constraint, form);
      }
      w.end_object();
    } else {
      w.key("projectionConstraints").begin_array();
      for (const auto& fc : b.constraints) {
        w.begin_object().key("field").string(fc.field).key("constraint");
        write_constraint(w, fc.constraint, form);
        w.end_object();
      }
      w.end_array();
    }
    w.key("resourcePath");
    write_strings(w, b.resource_path);
    if (b.delta_updates) {
      w.key("deltaUpdates").boolean(true);
    }
    if (b.case_insensitive_fields) {
      w.key("caseInsensitiveFields").boolean(true);
    }
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

void encode_opened(std::string& out, const Opened& opened) {
  JsonWriter w(out);
  w.begin_object().key("opened").begin_object();
  if (!opened.runtime_checkpoint.is_null()) {
    w.key("runtimeCheckpoint");
    flow::detail::write_json(w, opened.runtime_checkpoint);
  }
  if (opened.disable_load_optimization) {
    w.key("disableLoadOptimization").boolean(true);
  }
  w.end_object().end_object();
  out.push_back('\n');
}

void encode_acknowledged(std::string& out, const std::optional<ConnectorState>& state) {
  encode_with_state(out, "acknowledged", state);
}

void encode_loaded(std::string& out, std::uint32_t binding, std::string_view doc_json) {
  out.append(R"({"loaded":{)");
  if (binding != 0) {
    JsonWriter(out).key("binding").number(binding);
    out.push_back(',');
  }
  out.append(R"("doc":)");
  out.append(doc_json);
  out.append("}}\n");
}

void encode_flushed(std::string& out, const std::optional<ConnectorState>& state) {
  encode_with_state(out, "flushed", state);
}

void encode_started_commit(std::string& out, const std::optional<ConnectorState>& state) {
  encode_with_state(out, "startedCommit", state);
}

}  // namespace flow::materialize::detail
