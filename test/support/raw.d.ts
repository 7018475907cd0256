/** Files imported as text (`?raw`, resolved by Vite): the docs that tests hold to the code. */
declare module "*?raw" {
  const text: string;
  export default text;
}
