/// Every list the API answers: `{"items": […]}`, so a list can gain fields (a cursor) later.
public struct ListResponse<Item> {
    public var items: [Item]

    public init(items: [Item]) { self.items = items }
}

extension ListResponse: Encodable where Item: Encodable {}
extension ListResponse: Decodable where Item: Decodable {}
extension ListResponse: Sendable where Item: Sendable {}
