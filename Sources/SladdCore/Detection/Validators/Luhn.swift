/// The Luhn (mod-10) check used by payment card numbers.
public enum Luhn {
    public static func isValid(_ digits: UnsafePointer<UInt8>, count: Int) -> Bool {
        var sum = 0
        var double = false
        var index = count - 1
        while index >= 0 {
            var value = Int(digits[index])
            if double {
                value &*= 2
                if value > 9 { value &-= 9 }
            }
            sum &+= value
            double.toggle()
            index -= 1
        }
        return sum % 10 == 0
    }
}
