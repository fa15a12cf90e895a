// Long passwords that still appear at the top of breach corpora, plus the
// patterns behind most of them. Shorter ones are refused by length already.
const COMMON = new Set(
  [
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "111111111111",
    "000000000000",
    "123123123123",
    "qwertyuiopas",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwerty123456",
    "qwerty1234567",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "q1w2e3r4t5y6",
    "password1234",
    "password12345",
    "password123456",
    "passw0rd1234",
    "p@ssw0rd1234",
    "password!234",
    "iloveyou1234",
    "iloveyou12345",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "sunshine1234",
    "princess1234",
    "football1234",
    "baseball1234",
    "basketball12",
    "abcdefghijkl",
    "abcd12345678",
    "abc123456789",
    "administrator",
    "admin1234567",
    "changeme1234",
    "trustno11234",
    "superman1234",
    "monkey123456",
    "dragon123456",
    "starwars1234",
    "computer1234",
    "internet1234",
    "samsung12345",
    "whatever1234",
    "michael12345",
    "jessica12345",
    "charlie12345",
    "asdfghjkl123",
    "asdfghjkl;'",
    "asdfasdfasdf",
    "zxcvbnm12345",
    "zxcvbnmasdfg",
    "1234qwerasdf",
    "qwerasdfzxcv",
    "correcthorsebatterystaple",
    "thequickbrownfox",
    "mypassword123",
    "mypassword1234",
    "secretpassword",
    "passwordpassword",
    "iloveyouiloveyou",
    "lovelovelove",
    "hellohello12",
    "helloworld123",
    "helloworld1234",
  ].map((p) => p.toLowerCase()),
);

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, context: { email?: string; name?: string } = {}): string | null {
  if (password.length < 12) return "Use at least 12 characters.";
  if (password.length > 128) return "Use at most 128 characters.";
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return "This password is too common. Choose something less guessable.";
  if (/^(.)\1+$/.test(password)) return "Do not repeat one character.";
  if ("01234567890123456789".includes(password) || "abcdefghijklmnopqrstuvwxyz".includes(lower)) return "Do not use a simple sequence.";
  const local = context.email?.split("@")[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return "Do not use your email address in your password.";
  return null;
}
