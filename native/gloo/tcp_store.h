// A TCP key-value store for gloo's rendezvous. torchrun, Slurm and Kubeflow hand every worker MASTER_ADDR and
// MASTER_PORT and leave that port free for rank 0 to serve a store on (torch's TCPStore contract); Debian's gloo has
// FileStore, HashStore and RedisStore but no TCP store, so this is ours. Rank 0 runs TcpStoreServer; every rank (rank 0
// too) talks to it through TcpStoreClient, which is a gloo::rendezvous::Store.
//
// Wire format (our own, both ends are this file): a request is [u8 op][u32 keyLen][key][u32 valueLen][value], a
// reply is [u8 status][u32 len][data]; integers little-endian as the host writes them (every rank runs this
// x86-64/arm64 build). The store has no authentication, like torch's: it is meant for a cluster's private network.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gloo/rendezvous/store.h>

namespace fts {

class TcpStoreServer {
 public:
  // Binds host:port, or the port on every interface when `allInterfaces` (SO_REUSEADDR: a restarted job reuses the
  // port at once), and serves on a thread of its own. Throws std::runtime_error naming the address when the port
  // cannot be bound.
  TcpStoreServer(const std::string& host, int port, bool allInterfaces);
  ~TcpStoreServer();
  TcpStoreServer(const TcpStoreServer&) = delete;
  TcpStoreServer& operator=(const TcpStoreServer&) = delete;

 private:
  void acceptLoop();
  void serve(int fd);

  int listenFd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptThread_;
  std::mutex mu_;  // guards data_, clients_, clientThreads_
  std::map<std::string, std::vector<char>> data_;
  std::vector<int> clients_;
  std::vector<std::thread> clientThreads_;
};

class TcpStoreClient : public gloo::rendezvous::Store {
 public:
  // Connects to host:port, retrying until `timeout`: the other ranks may start before rank 0 listens.
  TcpStoreClient(const std::string& host, int port, std::chrono::milliseconds timeout);
  ~TcpStoreClient() override;

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override { wait(keys, timeout_); }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;

 private:
  // One request and its reply; throws gloo::IoException when the server is gone.
  bool request(char op, const std::string& key, const std::vector<char>& value, std::vector<char>* reply);

  std::string where_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::mutex mu_;
};

}  // namespace fts
