-- What filings need besides the name (issue 16): the address (住所; every 支払調書 of a
-- payee needs it), the alphabetic name of a foreign resident, the 通称 and the 旧姓; and,
-- for a dependant without a number, why (国外居住親族 living abroad, a newborn not yet
-- numbered): such a person has no number_sealed and is not verified.
ALTER TABLE subjects ADD COLUMN address TEXT;
ALTER TABLE subjects ADD COLUMN name_alphabetic TEXT;
ALTER TABLE subjects ADD COLUMN common_name TEXT;
ALTER TABLE subjects ADD COLUMN former_surname TEXT;
ALTER TABLE subjects ADD COLUMN no_number_reason TEXT;
