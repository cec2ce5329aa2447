// SPDX-License-Identifier: Apache-2.0
// Fuzzes a whole materialize session: the input is stdin, served by the production
// flow::materialize::serve() to a connector that accepts everything, responses to /dev/null.
// Reaches what the line-by-line target cannot: the Load/Store hot path (JSON and packed keys
// and values, base64, the tuple decoder, field splitting) and the transaction state machine.
// flow::Error is the expected failure. Every Store must hand the connector one field view
// per selected field, each inside the line or the SDK's buffers (ASan checks the reads).

#include <cstddef>
#include <cstdint>
#include <flow/error.hpp>
#include <flow/log.hpp>
#include <flow/materialize.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "fuzz_lines.hpp"
#include "memfd_input.hpp"

namespace {

namespace m = flow::materialize;

std::size_t touch(std::string_view text) {
  std::size_t sum = 0;
  for (char c : text) {
    sum += static_cast<unsigned char>(c);
  }
  return sum;
}

/// Accepts every request; reads every view it is handed.
class AcceptingMaterialization final : public m::Connector {
 public:
  volatile std::size_t sum = 0;

  m::Spec spec(const m::SpecRequest& /*request*/) override { return {}; }
  std::vector<m::ValidatedBinding> validate(const m::Validate& request) override {
    std::vector<m::ValidatedBinding> out;
    for (const auto& binding : request.bindings) {
      out.push_back(m::optional_everything(binding, {binding.collection.name}, false));
    }
    return out;
  }
  m::Opened open(const m::Open& request) override {
    keys_.clear();
    values_.clear();
    for (const auto& binding : request.materialization.bindings) {
      keys_.push_back(binding.field_selection.keys.size());
      values_.push_back(binding.field_selection.values.size());
    }
    return {};
  }
  void load(const m::Load& request, m::Loaded& out) override {
    check(request.binding, request.key_fields.size(), keys_);
    sum = sum + touch(request.key) + touch(request.key_packed);
    for (auto field : request.key_fields) {
      sum = sum + touch(field);
    }
    (void)out;
  }
  void store(const m::Store& request) override {
    check(request.binding, request.key_fields.size(), keys_);
    check(request.binding, request.value_fields.size(), values_);
    sum = sum + touch(request.key) + touch(request.values) + touch(request.doc) +
          touch(request.key_packed);
    for (auto field : request.key_fields) {
      sum = sum + touch(field);
    }
    for (auto field : request.value_fields) {
      sum = sum + touch(field);
    }
  }
  std::optional<flow::ConnectorState> start_commit(const m::StartCommit& request) override {
    sum = sum + touch(request.runtime_checkpoint);
    return std::nullopt;
  }

 private:
  static void check(std::uint32_t binding,
                    std::size_t fields,
                    const std::vector<std::size_t>& expected) {
    if (binding >= expected.size() || fields != expected[binding]) {
      flow::fuzz::invariant_failed("a Load/Store reached the connector with the wrong shape");
    }
  }

  std::vector<std::size_t> keys_, values_;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  flow::log::init();
  return 0;
}

// Built twice: as materialize_session_fuzzer (JSON lines) and, with FLOW_FUZZ_PROTOBUF, as
// materialize_protobuf_fuzzer, where the input is protobuf frames: the frame reader, the
// Request parser, the transcoder and the protobuf Load/Store hot path.
#ifdef FLOW_FUZZ_PROTOBUF
constexpr flow::Codec kCodec = flow::Codec::protobuf;
#else
constexpr flow::Codec kCodec = flow::Codec::json;
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static flow::fuzz::MemfdInput input;
  AcceptingMaterialization connector;
  try {
    m::serve(connector, input.load(data, size), input.null_fd(),
             m::ServeOptions{.codec = kCodec, .buffers = flow::fuzz::kFuzzBuffers});
  } catch (const flow::Error&) {
    // Expected: protocol violations and malformed requests.
  }
  return 0;
}
