// cpu-bound-in-async: Promise.all over async callbacks that only compute never runs them concurrently.
export async function checksums(rows: number[][]): Promise<number[]> {
  return Promise.all(rows.map(async (row) => {
    let h = 0;
    for (let i = 0; i < 5_000_000; i++) {
      h = (h * 31 + row[i % row.length]) % 1_000_000_007;
    }
    return h;
  }));
}
