#include "tcp_store.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <gloo/common/error.h>

namespace fts {
namespace {

constexpr char kSet = 1;
constexpr char kGet = 2;
constexpr char kCheck = 3;
// Keys are short ("prefix/rank"); values are gloo's address blobs (a few hundred bytes per rank). A larger length on
// the wire means a stranger (a port scanner, another program on the port) is talking: drop it, do not allocate.
constexpr uint32_t kMaxFrame = 64u << 20;

// MSG_NOSIGNAL: a vanished peer must give EPIPE, not kill the process with SIGPIPE.
bool sendAll(int fd, const void* buf, size_t len) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    ssize_t n = ::send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

bool recvAll(int fd, void* buf, size_t len) {
  char* p = static_cast<char*>(buf);
  while (len > 0) {
    ssize_t n = ::recv(fd, p, len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

bool sendFrame(int fd, char head, const std::string& a, const std::vector<char>* b) {
  std::vector<char> out;
  uint32_t la = static_cast<uint32_t>(a.size());
  out.push_back(head);
  out.insert(out.end(), reinterpret_cast<char*>(&la), reinterpret_cast<char*>(&la) + 4);
  out.insert(out.end(), a.begin(), a.end());
  if (b) {
    uint32_t lb = static_cast<uint32_t>(b->size());
    out.insert(out.end(), reinterpret_cast<char*>(&lb), reinterpret_cast<char*>(&lb) + 4);
    out.insert(out.end(), b->begin(), b->end());
  }
  return sendAll(fd, out.data(), out.size());
}

bool recvBlob(int fd, std::vector<char>* out) {
  uint32_t len = 0;
  if (!recvAll(fd, &len, 4) || len > kMaxFrame) return false;
  out->resize(len);
  return len == 0 || recvAll(fd, out->data(), len);
}

struct AddrInfo {
  addrinfo* list = nullptr;
  ~AddrInfo() { if (list) freeaddrinfo(list); }
};

int resolve(const std::string& host, int port, bool passive, AddrInfo* out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (passive) hints.ai_flags = AI_PASSIVE;
  std::string service = std::to_string(port);
  return getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &out->list);
}

std::string errnoText(int err) { return std::string(std::strerror(err)); }

}  // namespace

TcpStoreServer::TcpStoreServer(const std::string& host, int port, bool allInterfaces) {
  AddrInfo ai;
  // Every interface: "::" (IPv4 too, V6ONLY off) first, then "0.0.0.0" where IPv6 is disabled.
  int rc = allInterfaces ? resolve("", port, true, &ai) : resolve(host, port, true, &ai);
  if (rc != 0) {
    throw std::runtime_error("cannot resolve MASTER_ADDR " + host + ": " + gai_strerror(rc));
  }
  std::vector<addrinfo*> order;
  for (addrinfo* a = ai.list; a; a = a->ai_next) order.push_back(a);
  if (allInterfaces) {
    std::stable_partition(order.begin(), order.end(), [](addrinfo* a) { return a->ai_family == AF_INET6; });
  }
  int lastErr = 0;
  for (addrinfo* a : order) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) { lastErr = errno; continue; }
    int one = 1, zero = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (a->ai_family == AF_INET6 && allInterfaces) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 128) == 0) {
      listenFd_ = fd;
      break;
    }
    lastErr = errno;
    ::close(fd);
  }
  if (listenFd_ < 0) {
    std::ostringstream msg;
    msg << "rank 0 cannot serve the rendezvous store on " << (allInterfaces ? "every interface" : host) << ":" << port
        << " (" << errnoText(lastErr)
        << (lastErr == EADDRINUSE ? "; another job or a previous run still holds MASTER_PORT" : "") << ")";
    throw std::runtime_error(msg.str());
  }
  acceptThread_ = std::thread([this] { acceptLoop(); });
}

TcpStoreServer::~TcpStoreServer() {
  stopping_ = true;
  // shutdown() wakes the threads blocked in poll/recv on these sockets; they close their own.
  ::shutdown(listenFd_, SHUT_RDWR);
  if (acceptThread_.joinable()) acceptThread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : clients_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(clientThreads_);
  }
  for (auto& t : threads) t.join();
  ::close(listenFd_);
}

void TcpStoreServer::acceptLoop() {
  while (!stopping_) {
    pollfd p{listenFd_, POLLIN, 0};
    int rc = ::poll(&p, 1, 100);
    if (rc <= 0) continue;
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) { ::close(fd); break; }
    clients_.push_back(fd);
    clientThreads_.emplace_back([this, fd] { serve(fd); });
  }
}

void TcpStoreServer::serve(int fd) {
  for (;;) {
    char op = 0;
    uint32_t keyLen = 0;
    if (!recvAll(fd, &op, 1) || !recvAll(fd, &keyLen, 4) || keyLen > kMaxFrame) break;
    std::string key(keyLen, '\0');
    if (keyLen > 0 && !recvAll(fd, key.data(), keyLen)) break;
    std::vector<char> value;
    if (!recvBlob(fd, &value)) break;
    char status = 0;
    std::vector<char> reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = data_.find(key);
      if (op == kSet) {
        data_[key] = std::move(value);
        status = 1;
      } else if (op == kGet && it != data_.end()) {
        status = 1;
        reply = it->second;
      } else if (op == kCheck) {
        status = it != data_.end() ? 1 : 0;
      } else if (op != kGet) {
        break;  // not our protocol
      }
    }
    uint32_t len = static_cast<uint32_t>(reply.size());
    if (!sendAll(fd, &status, 1) || !sendAll(fd, &len, 4) || (len && !sendAll(fd, reply.data(), len))) break;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = clients_.begin(); it != clients_.end(); ++it) {
    if (*it == fd) { clients_.erase(it); break; }
  }
  ::close(fd);
}

TcpStoreClient::TcpStoreClient(const std::string& host, int port, std::chrono::milliseconds timeout)
    : where_(host + ":" + std::to_string(port)), timeout_(timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string lastError = "no address";
  while (fd_ < 0) {
    AddrInfo ai;
    int rc = resolve(host, port, false, &ai);
    if (rc != 0) {
      lastError = std::string("cannot resolve ") + host + ": " + gai_strerror(rc);
    } else {
      for (addrinfo* a = ai.list; a && fd_ < 0; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
          int one = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          fd_ = fd;
        } else {
          lastError = errnoText(errno);
          ::close(fd);
        }
      }
    }
    if (fd_ >= 0) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      std::ostringstream msg;
      msg << "could not reach the rendezvous store at " << where_ << " within " << timeout.count()
          << " ms (" << lastError << "; is rank 0 running, and are MASTER_ADDR/MASTER_PORT the same on every rank?)";
      throw gloo::IoException(msg.str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TcpStoreClient::~TcpStoreClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool TcpStoreClient::request(char op, const std::string& key, const std::vector<char>& value,
                             std::vector<char>* reply) {
  std::lock_guard<std::mutex> lock(mu_);
  char status = 0;
  std::vector<char> data;
  if (!sendFrame(fd_, op, key, &value) || !recvAll(fd_, &status, 1) || !recvBlob(fd_, &data)) {
    throw gloo::IoException("the rendezvous store at " + where_ + " closed the connection (rank 0 gone?)");
  }
  if (reply) *reply = std::move(data);
  return status == 1;
}

void TcpStoreClient::set(const std::string& key, const std::vector<char>& data) {
  request(kSet, key, data, nullptr);
}

std::vector<char> TcpStoreClient::get(const std::string& key) {
  wait({key}, timeout_);
  std::vector<char> data;
  if (!request(kGet, key, {}, &data)) {
    throw gloo::IoException("key " + key + " vanished from the rendezvous store at " + where_);
  }
  return data;
}

// Polls rather than blocking on the server: a wait that outlives its timeout must end on this side however the
// server behaves, and rendezvous happens once per job, so 10 ms of latency costs nothing.
void TcpStoreClient::wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> missing = keys;
  for (;;) {
    std::vector<std::string> still;
    for (const auto& key : missing) {
      if (!request(kCheck, key, {}, nullptr)) still.push_back(key);
    }
    missing.swap(still);
    if (missing.empty()) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      std::ostringstream msg;
      msg << "timed out after " << timeout.count() << " ms waiting in the rendezvous store at " << where_ << " for";
      for (const auto& key : missing) msg << " '" << key << "'";
      msg << " (a rank that never joined?)";
      throw gloo::IoException(msg.str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace fts
