import Foundation

/// Every request's record, filled in as the senders learn outcomes.
actor ChaosLedger {
    private(set) var records: [RequestRecord] = []
    private var slots: [Int: Int] = [:]  // request number -> index in records
    private(set) var answered = 0, ok = 0, failed = 0

    func sent(_ request: ChaosTraffic.Request, atNs: Int64) {
        slots[request.number] = records.count
        records.append(RequestRecord(number: request.number, client: request.client, text: request.text, expected: request.expected,
                                     sentNs: atNs))
    }

    func finished(_ number: Int, atNs: Int64, status: UInt?, body: String?, error: RequestRecord.TransportError?, description: String?) {
        guard let i = slots[number] else { return }
        records[i].answeredNs = atNs
        records[i].status = status
        records[i].body = body
        records[i].error = error
        records[i].errorDescription = description
        if status != nil { answered += 1 }
        if status == 200 { ok += 1 }
        if error != nil { failed += 1 }
    }

    var sentCount: Int { records.count }
}
