// Child-process control for benchmarks (see server_process.hpp).
#include "server_process.hpp"

#include "proc_stats.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

namespace coplan::bench {

server_process::server_process(std::string binary, std::vector<std::string> args) {
  // The server's output goes to a file (a pipe closed after start-up would kill it with SIGPIPE at
  // its next log line); the port is read from the file.
  char log_template[] = "/tmp/coplan-server-log.XXXXXX";
  int log_fd = mkstemp(log_template);
  if (log_fd < 0) throw std::runtime_error("cannot create the server log file");
  log_path_ = log_template;
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close(log_fd);
    std::vector<char*> argv;
    argv.push_back(binary.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(log_fd);
  std::regex url_re("running at http://[^:]+:(\\d+)/");
  std::smatch m;
  std::string out;
  for (int i = 0; i < 3000 && !port_; ++i) {  // up to 30 s
    out = log();
    if (std::regex_search(out, m, url_re)) port_ = static_cast<unsigned short>(std::stoi(m[1]));
    else if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    } else usleep(10'000);
  }
  if (!port_) {
    stop(9);
    throw std::runtime_error("the server did not start: " + log());
  }
}

void server_process::lift_rate_limits(std::vector<std::string>& a) {
  for (const char* o : {"--messages-per-second", "--message-burst", "--user-messages-per-second", "--user-message-burst"})
    a.insert(a.end(), {o, "1e9"});
  a.insert(a.end(), {"--max-sockets-per-user", "1000000", "--max-connections-per-address", "0"});
}

std::string server_process::log() const {
  std::ifstream in(log_path_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

server_process::~server_process() {
  stop();
  std::remove(log_path_.c_str());
}

int server_process::stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

long server_process::peak_rss_kib() const { return proc_stats(pid_).peak_rss_kib(); }

double server_process::cpu_seconds() const { return proc_stats(pid_).cpu_seconds(); }

}  // namespace coplan::bench
