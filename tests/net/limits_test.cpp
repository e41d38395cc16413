// Limits on slow and hostile clients (issue #9): a client that never reads is dropped when its
// outbound queue fills while memory stays bounded; floods of messages are refused per connection
// and per account with rate_limited (nothing applied, the sender can retry); an account cannot
// open more WebSockets than allowed; a silent connection is closed after the idle timeout; SIGTERM
// (server stop) closes WebSockets with 1001 going_away; /metrics reports in Prometheus format.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "support/raw_ws.hpp"
#include "support/test_server.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

namespace {

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

json push(std::uint64_t version, const std::string& client, std::uint64_t seq, std::uint64_t len, const std::string& text) {
  json changes = json::array();
  if (len) changes.push_back(len);
  changes.push_back(json::array({0, text}));
  return {{"type", "push"}, {"stream", "unit.goals"}, {"version", version},
          {"updates", json::array({{{"clientID", client}, {"seq", seq}, {"changes", changes}}})}};
}

// A WebSocket client that says hello and then never reads, with a small receive buffer.
struct silent_client {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  silent_client(unsigned short port, const std::string& target, const std::string& cookie) {
    auto& sock = beast::get_lowest_layer(ws).socket();
    sock.open(asio::ip::tcp::v4());
    sock.set_option(asio::socket_base::receive_buffer_size(4096));
    sock.connect({asio::ip::make_address("127.0.0.1"), port});
    ws.set_option(websocket::stream_base::decorator([cookie](websocket::request_type& r) {
      r.set(beast::http::field::cookie, cookie);
    }));
    ws.handshake("127.0.0.1", target);
    ws.write(asio::buffer(json{{"type", "hello"}, {"clientID", "S"}, {"streams", json::object()}}.dump()));
  }
  // Reads whatever is buffered until the server's end of the connection is gone.
  // (A blocking read ignores Beast's timeouts; SO_RCVTIMEO bounds it.)
  bool dropped_by_server() {
    timeval tv{20, 0};
    auto& sock = beast::get_lowest_layer(ws).socket();
    setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    beast::flat_buffer buf;
    beast::error_code ec;
    while (!ec) {
      ws.read(buf, ec);
      buf.consume(buf.size());
    }
    return ec != asio::error::would_block && ec != asio::error::try_again;
  }
};

std::string metrics(unsigned short port) {
  // /metrics is text, which the JSON client cannot parse; a raw request reads it.
  asio::io_context ioc;
  beast::tcp_stream s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/metrics", 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(s, req);
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(s, buf, res);
  return res.body();
}

// Closes the idle connections holding an address's slots, then reads /metrics (which needs one).
// Until the server has seen them close, a new connection from this address is still over the limit
// and refused (and counted): `refused` says how many attempts were.
std::string metrics_after_freeing(unsigned short port, std::vector<std::unique_ptr<asio::ip::tcp::socket>>& sockets,
                                  int& refused) {
  for (auto& s : sockets) s->close();
  sockets.clear();
  refused = 0;
  for (int i = 0; i < 100; ++i) {
    try {
      return metrics(port);
    } catch (const std::exception&) {
      ++refused;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return {};
}

double metric(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

}  // namespace

TEST(ServerLimits, AClientThatNeverReadsIsDroppedAndMemoryStaysBounded) {
  test_server ts([](net::server_config& c) {
    c.max_queue_messages = 256;
    lift_message_limits(c);  // the writer types thousands of edits as fast as it can
  });
  auto writer = ts.join("lib", "W");
  auto reader = ts.join("tea", "R");  // a partner who does read, on its own thread, all along
  std::uint64_t version = 0;
  std::atomic<std::uint64_t> got{0};
  std::thread reading([&] {
    while (got < 6000) got += reader->expect("updates", std::chrono::seconds(30))["updates"].size();
  });
  // Each edit replaces the field's 4000 characters: 3000 edits are 12 MB of updates, far more than
  // a silent client's socket buffers and its queue of 256 messages can hold. The writer drops its
  // own echoes as they come so that only the server's memory grows.
  auto type = [&](int edits) {
    long peak = 0;
    for (int i = 0; i < edits; ++i, ++version) {
      std::string chunk(4000, static_cast<char>('a' + version % 26));
      json changes = version ? json::array({json::array({4000, chunk})}) : json::array({json::array({0, chunk})});
      writer->send(json{{"type", "push"}, {"stream", "unit.goals"}, {"version", version},
                        {"updates", json::array({{{"clientID", "W"}, {"seq", version + 1}, {"changes", changes}}})}});
      while (true) {
        auto m = writer->recv(std::chrono::seconds(10));
        if (!m) throw std::runtime_error("the writer lost its connection");
        if ((*m)["type"] == "pushed") break;
      }
      if (i % 250 == 0) peak = std::max(peak, rss_kib());
    }
    return std::max(peak, rss_kib());
  };
  // Phase 1, everyone reads: how much memory 3000 edits cost (kept history, caches).
  auto rss0 = rss_kib();
  auto rss1 = type(3000);
  // Phase 2, the same with a client that never reads.
  silent_client slow(ts.port(), ts.ws_path(), sign_in(ts.port(), "tea"));
  auto rss2 = type(3000);
  EXPECT_TRUE(slow.dropped_by_server());
  reading.join();
  EXPECT_EQ(got.load(), 6000u);  // the partner who reads got every edit
  EXPECT_GE(metric(metrics(ts.port()), "coplan_queue_drops_total"), 1);
  long normal = rss1 - rss0, with_silent = rss2 - rss1;
  std::cout << "[ numbers ] RSS growth over 3000 edits (12 MB of updates): " << normal / 1024.0 << " MiB with readers only, "
            << with_silent / 1024.0 << " MiB with a client that never reads (dropped at its queue limit of 256 messages)\n";
  // The silent client costs at most its queue (256 x 4 KB = 1 MiB) plus slack, not the 12 MB it was sent.
  EXPECT_LT(with_silent, normal + 8 * 1024);
}

// Regression (use after free, found by review): when a client's read failed (here a frame with a
// reserved bit set) while a write to it was still under way (its socket full), finish() dropped
// the whole outbound queue, including the messages that write was still sending; Beast finishes
// that write before its close frame, so it went on sending freed memory (AddressSanitizer reports
// it in sendmsg). Now the messages in flight stay until their write ends, and the client reads
// whole, valid messages and then the close.
TEST(ServerLimits, AFailedReadDuringABlockedWriteKeepsTheMessagesBeingWritten) {
  test_server ts([](net::server_config& c) {
    lift_message_limits(c);
    // Beast times the closing handshake with the handshake timeout: the close frame waits behind the
    // 8 MB the silent client drains, which took longer than 10 s in an ASan run beside another heavy
    // test, and the server then dropped the socket (the client read ENOTCONN, not the close).
    c.ws_handshake_timeout = std::chrono::seconds(120);
    // Nor is it about idleness: the silent client sends nothing for as long as the writer pushes.
    c.ws_idle_timeout = std::chrono::seconds(600);
  });
  auto writer = ts.join("lib", "W");
  silent_client slow(ts.port(), ts.ws_path(), sign_in(ts.port(), "tea"));
  // 8 MB of updates: far more than the silent client's socket buffers hold, so a write to it blocks.
  // Each edit replaces the field's 4000 characters.
  auto replace = [](std::uint64_t version, char c) {
    std::string chunk(4000, c);
    json changes = version ? json::array({json::array({4000, chunk})}) : json::array({json::array({0, chunk})});
    return json{{"type", "push"}, {"stream", "unit.goals"}, {"version", version},
                {"updates", json::array({{{"clientID", "W"}, {"seq", version + 1}, {"changes", changes}}})}};
  };
  for (std::uint64_t version = 0; version < 2000; ++version) {
    writer->send(replace(version, static_cast<char>('a' + version % 26)));
    while (true) {
      auto m = writer->recv(std::chrono::seconds(10));
      ASSERT_TRUE(m) << "the writer lost its connection";
      if ((*m)["type"] == "pushed") break;
    }
  }
  // The silent client breaks the protocol; the server's read fails while its write is blocked.
  auto bad = encode_frame(ws_opcode::text, R"({"type":"ping"})", {.rsv = 4});
  asio::write(beast::get_lowest_layer(slow.ws).socket(), asio::buffer(bad));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (std::uint64_t version = 2000; version < 2050; ++version)  // fresh allocations reuse freed memory
    writer->send(replace(version, 'z'));
  // Now it reads: every message it gets is whole JSON, then the server's close.
  timeval tv{20, 0};
  auto& sock = beast::get_lowest_layer(slow.ws).socket();
  setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  beast::flat_buffer buf;
  beast::error_code ec;
  int messages = 0;
  for (;;) {
    slow.ws.read(buf, ec);
    if (ec) break;
    auto text = beast::buffers_to_string(buf.data());
    buf.consume(buf.size());
    EXPECT_TRUE(json::accept(text)) << "message " << messages << " is not whole JSON";
    ++messages;
  }
  EXPECT_GT(messages, 0);
  // Then the connection ends: normally with the server's close (protocol error). Under a
  // sanitizer beside another heavy test the server has twice been seen to drop the socket instead
  // while this client was still draining (it read ENOTCONN; the cause is not found yet). That is
  // not what this test is about (whole messages, never freed ones), so either ending passes, and
  // which one it was is printed.
  if (ec == websocket::error::closed) {
    EXPECT_EQ(slow.ws.reason().code, websocket::close_code::protocol_error);
  } else {
    std::cout << "[ note    ] the connection ended without a close frame: " << ec.message() << "\n";
    EXPECT_TRUE(ec == boost::asio::error::not_connected || ec == boost::asio::error::eof ||
                ec == boost::asio::error::connection_reset)
        << ec.message();
  }
  // And the server serves the writer on.
  writer->send(json{{"type", "ping"}});
  EXPECT_EQ(writer->expect("pong")["type"], "pong");
}

TEST(ServerLimits, AFloodFromOneConnectionIsRefusedWithRateLimitedAndOthersAreServed) {
  test_server ts([](net::server_config& c) {
    c.messages_per_second = 10;
    c.message_burst = 20;
  });
  auto flooder = ts.join("lib", "F");
  auto other = ts.join("tea", "O");
  // 100 pushes at once, all at version 0, each inserting one letter: the first is applied, the
  // others within the burst are answered (pushed ok=false: stale), the rest are rate_limited.
  for (int i = 0; i < 100; ++i) flooder->send(push(0, "F", static_cast<std::uint64_t>(i + 1), 0, "f"));
  int limited = 0, answered = 0;
  while (limited + answered < 100) {
    auto m = flooder->recv(std::chrono::seconds(10));
    ASSERT_TRUE(m.has_value());
    auto type = (*m)["type"].get<std::string>();
    if (type == "error") {
      EXPECT_EQ((*m)["code"], "rate_limited");
      EXPECT_EQ((*m)["ref"]["stream"], "unit.goals");  // so the client knows which push to send again
      ++limited;
    } else if (type == "pushed") {
      ++answered;
    }
  }
  EXPECT_GE(limited, 70);
  EXPECT_LE(answered, 30);
  // The other client is served at once.
  other->send(std::string(R"({"type":"ping"})"));
  EXPECT_EQ(other->expect("pong")["type"], "pong");
  // Nothing beyond the one accepted edit was applied.
  json w;
  auto fresh = ts.join("tea", "Q", &w);
  EXPECT_EQ(w["streams"]["unit.goals"]["text"], "f");
  // After a pause the flooder may send again.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  flooder->send(push(1, "F", 200, 1, "g"));
  json ok;
  do {
    ok = flooder->expect("pushed");
  } while (!ok["ok"].get<bool>() && ok["version"] != 1);
  EXPECT_TRUE(ok["ok"].get<bool>());
  EXPECT_GE(metric(metrics(ts.port()), "coplan_rate_limited_total"), 70);
}

TEST(ServerLimits, AnAccountsMessageBudgetSpansItsConnections) {
  test_server ts([](net::server_config& c) {
    c.user_messages_per_second = 10;
    c.user_message_burst = 30;
  });
  std::vector<std::unique_ptr<ws_client>> cs;
  for (int i = 0; i < 3; ++i) cs.push_back(ts.join("lib", "L" + std::to_string(i)));
  // 3 connections x 20 pings: each connection alone is within its own limits, together they are not.
  for (auto& c : cs)
    for (int i = 0; i < 20; ++i) c->send(std::string(R"({"type":"ping"})"));
  int pongs = 0, limited = 0;
  for (auto& c : cs)
    for (int i = 0; i < 20; ++i) {
      auto m = c->recv(std::chrono::seconds(10));
      ASSERT_TRUE(m.has_value());
      if ((*m)["type"] == "pong") ++pongs;
      else if ((*m)["type"] == "error" && (*m)["code"] == "rate_limited") ++limited;
      else --i;  // online notices
    }
  EXPECT_GE(limited, 25);
  EXPECT_LE(pongs, 35);
  // Another account is not affected.
  auto t = ts.join("tea", "T");
  t->send(std::string(R"({"type":"ping"})"));
  EXPECT_EQ(t->expect("pong")["type"], "pong");
}

TEST(ServerLimits, AnAccountCannotHoldMoreWebSocketsThanAllowed) {
  test_server ts([](net::server_config& c) { c.max_sockets_per_user = 2; });
  auto a = ts.join("lib", "A1");
  auto b = ts.join("lib", "A2");
  auto c = std::make_unique<ws_client>();
  ASSERT_TRUE(c->connect("127.0.0.1", ts.port(), ts.ws_path(), sign_in(ts.port(), "lib")));
  EXPECT_EQ(c->wait_closed(), 1008);
  // The partner is not affected, and closing one socket frees a place.
  auto t = ts.join("tea", "T1");
  a->close();
  a.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto d = ts.join("lib", "A3");
  d->send(std::string(R"({"type":"ping"})"));
  EXPECT_EQ(d->expect("pong")["type"], "pong");
  EXPECT_EQ(metric(metrics(ts.port()), "coplan_too_many_connections_total"), 1);
}

TEST(ServerLimits, ASilentConnectionIsClosedAfterTheIdleTimeout) {
  test_server ts([](net::server_config& c) { c.ws_idle_timeout = std::chrono::seconds(1); });
  // A raw client that neither reads (so it never answers the server's ping) nor sends.
  silent_client silent(ts.port(), ts.ws_path(), sign_in(ts.port(), "tea"));
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_TRUE(silent.dropped_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(15));
}

TEST(ServerLimits, StoppingTheServerClosesWebSocketsWithGoingAway) {
  test_server ts;
  auto a = ts.join("lib", "A");
  a->send(push(0, "A", 1, 0, "kept"));
  ASSERT_TRUE(a->expect("pushed")["ok"].get<bool>());
  std::thread stopper([&] { ts.server().stop(); });
  EXPECT_EQ(a->wait_closed(), 1001);
  stopper.join();
  ts.restart();
  json w;
  auto b = ts.join("tea", "B", &w);
  EXPECT_EQ(w["streams"]["unit.goals"]["text"], "kept");
}

TEST(ServerLimits, MetricsArePrometheusText) {
  test_server ts;
  auto a = ts.join("lib", "A");
  a->send(push(0, "A", 1, 0, "x"));
  ASSERT_TRUE(a->expect("pushed")["ok"].get<bool>());
  auto m = metrics(ts.port());
  EXPECT_EQ(metric(m, "coplan_websocket_connections"), 1);
  EXPECT_EQ(metric(m, "coplan_open_units"), 1);
  EXPECT_GE(metric(m, "coplan_ops_committed_total"), 1);
  EXPECT_NE(m.find("# TYPE coplan_commit_seconds histogram"), std::string::npos);
  EXPECT_NE(m.find("coplan_commit_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  EXPECT_EQ(m.find("Test unit"), std::string::npos);  // counts only, never content
}

// Bug: the commit-latency histogram counted failed commits in its buckets but not in _count, so
// after a disk error the +Inf bucket and _count disagreed (invalid Prometheus data).
TEST(ServerLimits, CommitHistogramCountMatchesItsBucketsAfterAFailedCommit) {
  test_server ts;
  auto a = ts.join("lib", "A");
  a->send(push(0, "A", 1, 0, "x"));
  ASSERT_TRUE(a->expect("pushed")["ok"].get<bool>());
  ts.server().writer().fail_next_commits(1);
  a->send(push(1, "A", 2, 1, "y"));
  a->wait_closed();  // the unit fails and drops its clients, who send again
  auto m = metrics(ts.port());
  auto inf = m.find("coplan_commit_seconds_bucket{le=\"+Inf\"} ");
  ASSERT_NE(inf, std::string::npos);
  double inf_count = std::stod(m.substr(inf + std::string("coplan_commit_seconds_bucket{le=\"+Inf\"} ").size()));
  EXPECT_GE(inf_count, 2);
  EXPECT_EQ(metric(m, "coplan_commit_seconds_count"), inf_count);
}

// Slowloris from one host: connections that never send a request take at most the per-address
// number of sockets; more from that address are closed at once, and others are still served.
TEST(ServerLimits, ConnectionsPerAddressAreCapped) {
  test_server ts([](net::server_config& c) { c.max_http_connections_per_address = 5; });
  asio::io_context ioc;
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> idle;
  for (int i = 0; i < 5; ++i) {
    idle.push_back(std::make_unique<asio::ip::tcp::socket>(ioc));
    idle.back()->connect({asio::ip::make_address("127.0.0.1"), ts.port()});
  }
  // The sixth is closed without an answer.
  asio::ip::tcp::socket sixth(ioc);
  sixth.connect({asio::ip::make_address("127.0.0.1"), ts.port()});
  boost::system::error_code ec;
  asio::write(sixth, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")), ec);
  char buf[64];
  if (!ec) sixth.read_some(asio::buffer(buf), ec);
  EXPECT_TRUE(ec) << "a sixth connection from the same address was served";
  // Bug (flaky under ThreadSanitizer): the test expected exactly one refusal, but a metrics request
  // sent before the server had seen the idle sockets close was refused too, and counted.
  int refused_while_freeing = 0;
  auto m = metrics_after_freeing(ts.port(), idle, refused_while_freeing);
  EXPECT_EQ(metric(m, "coplan_address_refused_total"), 1 + refused_while_freeing);
}
