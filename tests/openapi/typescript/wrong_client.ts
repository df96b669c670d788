// Must NOT compile: the generated types know a fault's status is a number and its fields by name.
import type { paths } from "./control";

type FaultBody = NonNullable<paths["/__mock__/faults"]["post"]["requestBody"]>["content"]["application/json"];
export const wrongType: FaultBody = { status: "503" };
export const unknownField: FaultBody = { stauts: 503 };
