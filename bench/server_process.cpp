// Child-process control for benchmarks (see server_process.hpp).
#include "server_process.hpp"

#include "proc_stats.hpp"

#include <csignal>
#include <regex>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

namespace coplan::bench {

server_process::server_process(std::string binary, std::vector<std::string> args) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    argv.push_back(binary.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  // Read stdout until the line with the URL.
  std::string out;
  char buf[512];
  std::regex url_re("running at http://[^:]+:(\\d+)/");
  std::smatch m;
  while (true) {
    auto n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (std::regex_search(out, m, url_re)) {
      port_ = static_cast<unsigned short>(std::stoi(m[1]));
      break;
    }
  }
  close(fds[0]);
  if (!port_) {
    stop(9);
    throw std::runtime_error("the server did not start: " + out);
  }
}

server_process::~server_process() { stop(); }

void server_process::stop(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

long server_process::peak_rss_kib() const { return proc_stats(pid_).peak_rss_kib(); }

double server_process::cpu_seconds() const { return proc_stats(pid_).cpu_seconds(); }

}  // namespace coplan::bench
