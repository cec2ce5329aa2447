// SPDX-License-Identifier: Apache-2.0
// bench-derive-pass-through: the smallest useful derivation — every source document is
// published unchanged (raw splice, no parse, no copy). The benchmark's subject.
#include <flow/derive.hpp>

namespace {

class PassThrough final : public flow::derive::Connector {
  flow::derive::Spec spec(const flow::derive::SpecRequest& /*request*/) override {
    return {.config_schema = {{"type", "object"}},
            .lambda_config_schema = {{"type", "object"}},
            .documentation_url = "",
            .oauth2 = nullptr};
  }
  flow::derive::Validated validate(const flow::derive::Validate& request) override {
    return {.transforms = std::vector<flow::derive::ValidatedTransform>(request.transforms.size()),
            .generated_files = {}};
  }
  void read(const flow::derive::Read& request, flow::derive::Publisher& out) override {
    out.publish(request.doc);
  }
};

}  // namespace

int main(int argc, char** argv) {
  return flow::derive::run<PassThrough>(argc, argv);
}
