// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>

/// Conversions between yaml-cpp nodes and nlohmann::json, for flow.yaml catalogs (which are a
/// superset of JSON). Plain scalars are typed the YAML 1.2 core-schema way (null, true/false,
/// integers, floats); quoted scalars are always strings.
///
/// Example:
///   nlohmann::json config = flow::local::yaml_to_json(YAML::Load("rate: 3\nname: 'x'"));
///   // config == {"rate":3,"name":"x"}
namespace flow::local {

nlohmann::json yaml_to_json(const YAML::Node& node);

/// Emits `value` as a YAML node (block style for objects/arrays).
YAML::Node json_to_yaml(const nlohmann::ordered_json& value);

/// Parses YAML or JSON text (JSON is valid YAML). Throws flow::ConfigError with `what` in the
/// message on a syntax error.
nlohmann::json parse_yaml_text(const std::string& text, const std::string& what);

}  // namespace flow::local
