// SPDX-License-Identifier: Apache-2.0
//
// One row of bench/run's table, printed on stdout by a C++ benchmark. The format is documented
// at the top of bench/run:
//   ROW \t measure \t figure \t unit \t statistic \t baseline \t baseline figure \t target
// bench/run computes the ratio as figure / baseline figure (both in `unit`).

#pragma once

#include <cstdio>
#include <string>

namespace flow::bench {

/// A figure and the baseline it is compared with, measured in the same run.
///
/// Example:
///   flow::bench::row({.measure = "derive: pass-through read -> publish",
///                     .figure = 1.27e6, .unit = "docs/s", .statistic = "best of 3",
///                     .baseline = "limit_shim, same documents", .baseline_figure = 1.0e6,
///                     .target = ">= 0.5x"});
struct Row {
  std::string measure;
  double figure = 0;
  std::string unit;
  std::string statistic;
  std::string baseline = "-";  // "-": no baseline, no ratio
  double baseline_figure = 0;
  std::string target = "-";
};

/// Prints `r` as one ROW line on stdout (figures with 4 significant digits).
inline void row(const Row& r) {
  if (r.baseline == "-") {
    std::printf("ROW\t%s\t%.4g\t%s\t%s\t-\t-\t%s\n", r.measure.c_str(), r.figure, r.unit.c_str(),
                r.statistic.c_str(), r.target.c_str());
  } else {
    std::printf("ROW\t%s\t%.4g\t%s\t%s\t%s\t%.4g\t%s\n", r.measure.c_str(), r.figure,
                r.unit.c_str(), r.statistic.c_str(), r.baseline.c_str(), r.baseline_figure,
                r.target.c_str());
  }
  std::fflush(stdout);
}

}  // namespace flow::bench
