/// Norwegian bank account number (kontonummer): eleven digits, mod-11 with weights 5,4,3,2,7,6,5,4,3,2.
public enum BankAccountNumber {
    static let weights = StaticWeights(5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

    public static func isValid(_ digits: UnsafePointer<UInt8>) -> Bool {
        guard let control = Mod11.controlDigit(digits, weights: weights) else { return false }
        return control == Int(digits[10])
    }
}
