// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

/// Airbyte OAuth declarations → a Flow `oauth2` spec object: pure translation.
namespace flow::airbyte {

/// The Flow OAuth2 object for an Airbyte spec, or null when it declares nothing usable.
///  1. `advanced_auth.oauth_config_specification.oauth_connector_input_specification`
///     (Airbyte's declarative OAuth): consent_url → authUrlTemplate, access_token_url →
///     accessTokenUrlTemplate, access_token_headers → accessTokenHeaders,
///     access_token_params → accessTokenBody (form-encoded when the headers say so, else
///     JSON), extract_output and complete_oauth_output_specification → accessTokenResponseMap.
///     Airbyte placeholders (`{{ client_id_value }}`, `{{ redirect_uri_value | urlEncoder }}`,
///     `{{ x | base64Encoder }}`, `{{ state_value | codeChallengeS256 }}`, `{{ scope_key }}`…)
///     become Flow mustache (`{{{ client_id }}}`, `{{#urlencode}}…{{/urlencode}}`,
///     `{{#basicauth}}…{{/basicauth}}`, `{{{ code_challenge }}}`, `scope`…).
///  2. A legacy `authSpecification` that already holds a Flow OAuth2 object (the form
///     Estuary's airbyte-to-flow images used), either directly or under
///     `oauth2Specification`.
/// Classic Airbyte OAuth connectors keep their flow in the Airbyte platform, so neither form
/// is present and this returns null: such a connector needs an override file.
/// Throws flow::Error naming the placeholder when a template uses one Flow has no value for.
///
/// Example:
///   auto oauth2 = flow::airbyte::translate_oauth2(spec, "hubspot");
nlohmann::json translate_oauth2(const nlohmann::json& airbyte_spec,
                                const std::optional<std::string>& provider);

/// Rewrites one Airbyte declarative-OAuth template into Flow mustache. `keys` maps the
/// `*_key` placeholders (client_id_key, …) to their parameter names and `scope` is the
/// literal scope. Throws flow::Error for an unknown placeholder or filter.
///
/// Example:
///   rewrite_oauth_template("{{ redirect_uri_key }}={{ redirect_uri_value | urlEncoder }}", {}, "")
///   // "redirect_uri={{#urlencode}}{{{ redirect_uri }}}{{/urlencode}}"
std::string rewrite_oauth_template(std::string_view airbyte_template,
                                   const nlohmann::json& keys,
                                   std::string_view scope);

}  // namespace flow::airbyte
