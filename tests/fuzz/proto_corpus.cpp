// SPDX-License-Identifier: Apache-2.0
// Converts a corpus of JSON-lines materialize sessions into protobuf frames, for the seeds of
// materialize_protobuf_fuzzer:  proto-corpus tests/fuzz/corpus/materialize_session OUT_DIR
// Inputs with no protobuf form (malformed JSON, by design in a fuzz corpus) are skipped.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "materialize.pb.h"
#include "proto_transcript.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: proto-corpus IN_DIR OUT_DIR\n";
    return 2;
  }
  namespace fs = std::filesystem;
  fs::create_directories(argv[2]);
  int written = 0;
  for (const auto& entry : fs::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    flowpb::materialize::Request request;
    std::string why;
    if (const auto frames = flow::testing::to_frames(text.str(), request, why)) {
      std::ofstream(fs::path(argv[2]) / entry.path().filename(), std::ios::binary) << *frames;
      ++written;
    }
  }
  std::cout << written << " seeds written\n";
  return 0;
}
