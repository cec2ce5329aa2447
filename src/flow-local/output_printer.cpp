// SPDX-License-Identifier: Apache-2.0
#include "flow-local/output_printer.hpp"

#include <flow/json_writer.hpp>

namespace flow::local {

std::string OutputPrinter::collection_prefix(std::string_view collection) {
  std::string out = "[\"";
  flow::JsonWriter::append_escaped(out, collection);
  out.append("\",");
  return out;
}

void OutputPrinter::flush() {
  auto& buffer = out_.buffer();
  if (committed_ == buffer.size()) {
    out_.flush();
    committed_ = 0;
    return;
  }
  // Only committed bytes go out; the staged tail stays in the buffer.
  std::string staged = buffer.substr(committed_);
  buffer.resize(committed_);
  out_.flush();
  buffer = std::move(staged);
  committed_ = 0;
}

}  // namespace flow::local
