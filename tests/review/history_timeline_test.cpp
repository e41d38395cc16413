// The history's timeline for jumping by day: the server groups ops by UTC quarter hour so that the
// browser can group them by the viewer's own local days. Regression: the history page jumped by
// UTC day (the server's "days"), so a teacher in UTC+5:30 editing at 23:45 and again at 00:15 her
// time saw both edits as one day, and edits at 05:00 and 05:45 her time as two.
#include <gtest/gtest.h>

#include "review/history_service.hpp"

using coplan::review::history_service;
using nlohmann::json;

namespace {
constexpr std::int64_t minute = 60 * 1000;
// 2025-03-10T00:00:00Z
constexpr std::int64_t day0 = 1741564800000;
}  // namespace

TEST(HistoryTimeline, QuarterHoursSplitAtEveryQuarterHourAndNumberOpsFromOne) {
  EXPECT_EQ(history_service::quarter_hours({}), json::array());
  // Four ops around 18:30 UTC (midnight in UTC+5:30): two before it, two after.
  std::vector<std::int64_t> times{day0 + 18 * 60 * minute + 20 * minute, day0 + 18 * 60 * minute + 29 * minute + 59'999,
                                  day0 + 18 * 60 * minute + 30 * minute, day0 + 18 * 60 * minute + 41 * minute};
  EXPECT_EQ(history_service::quarter_hours(times),
            json::parse("[[" + std::to_string(day0 + 18 * 60 * minute + 15 * minute) + ",1,2],[" +
                        std::to_string(day0 + 18 * 60 * minute + 30 * minute) + ",3,4]]"));
  // One op, and a quarter hour revisited after a later one (a clock set back) starts a new slot.
  EXPECT_EQ(history_service::quarter_hours({day0 + 1}), json::parse("[[" + std::to_string(day0) + ",1,1]]"));
  EXPECT_EQ(history_service::quarter_hours({day0, day0 + 16 * minute, day0 + 2 * minute}),
            json::parse("[[" + std::to_string(day0) + ",1,1],[" + std::to_string(day0 + 15 * minute) + ",2,2],[" +
                        std::to_string(day0) + ",3,3]]"));
  // Before 1970 too (floor, not truncation toward zero).
  EXPECT_EQ(history_service::quarter_hours({-1}), json::parse("[[-900000,1,1]]"));
}
