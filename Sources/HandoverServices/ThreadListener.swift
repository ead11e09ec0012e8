import HandoverStore
import ServiceLifecycle

/// Passes on to this process's pages the thread changes other replicas announce (PostgreSQL's
/// LISTEN, `SQLHandoverStore.listenForThreadChanges`), until the service group shuts down. On
/// SQLite there is no other process: it only waits for the shutdown, so the group runs on.
public struct ThreadListener: Service {
    let store: any HandoverStore

    public init(store: any HandoverStore) {
        self.store = store
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { [store] in try await store.listenForThreadChanges() }
        try? await gracefulShutdown()
    }
}
