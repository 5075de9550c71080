// cpu-bound-in-async: Promise.all over async callbacks that only compute never runs them concurrently.
export async function render(rows: number[][]): Promise<string> {
  const pages = await Promise.all(rows.map(async (row) => {
    let html = '';
    for (const cell of row) {
      html += `<td>${cell * 2}</td>`;
    }
    return html;
  }));
  return pages.join('\n');
}
